// Push to a real docker-registry on loopback, cross-checked with skopeo (inspect and
// copy to an OCI dir); the proxy log shows which blobs were sent.
import { jest } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { CacheStore } from '../../../src/cache/store.js';
import { MEDIA, type ImageConfig, type ImageManifest, type LayerDesc } from '../../../src/oci/types.js';
import { pullImage, pushImage, type PushImageInput } from '../../../src/oci/registry/index.js';
import { startRegistry, type RegistryServer } from '../../support/registry-server.js';
import { startProxy, type Proxy } from './proxy.js';
import { buildOciLayout, randomFiles, skopeo, skopeoCopy, tarOf } from './oci-fixture.js';

jest.setTimeout(60_000);

let registry: RegistryServer;
let proxy: Proxy;
let work: string;
const stores: string[] = [];
const opts = { retryDelayMs: 10 };
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function freshStore(): Promise<CacheStore> {
  const dir = mkdtempSync(join(tmpdir(), 'kp-store-'));
  stores.push(dir);
  return CacheStore.open(dir);
}

/** An image as the engine keeps it: uncompressed layers, config and manifest blobs in the store. */
async function localImage(store: CacheStore, seed: string): Promise<PushImageInput & { manifestDigest: string }> {
  const layers: LayerDesc[] = [];
  const specs: Array<Record<string, Buffer | string>> = [{ 'etc/seed': seed, ...randomFiles(2, 100_000) }, { 'usr/share/doc/readme': `readme ${seed}\n`.repeat(1000) }];
  for (const files of specs) {
    const t = await tarOf(files);
    const { digest, size } = await store.putBuffer(t);
    layers.push({ mediaType: MEDIA.layerTar, digest, size, diffId: digest });
  }
  const config: ImageConfig = { architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } };
  const c = await store.putBuffer(JSON.stringify(config));
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA.manifest,
    config: { mediaType: MEDIA.config, digest: c.digest, size: c.size },
    layers: layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
  };
  const m = await store.putBuffer(JSON.stringify(manifest));
  return { manifest, manifestDigest: m.digest, config, layers };
}

const blobWrites = () => proxy.log.filter((r) => r.path.includes('/blobs/') && r.method !== 'GET' && r.method !== 'HEAD');

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startProxy(registry);
  work = mkdtempSync(join(tmpdir(), 'kp-push-'));
});

afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
  for (const d of stores) rmSync(d, { recursive: true, force: true });
});

beforeEach(() => {
  proxy.log.length = 0;
});

test('pushes a local image; skopeo sees the same digests and copies it out', async () => {
  const store = await freshStore();
  const img = await localImage(store, 'one');
  const pushed = await pushImage(store, img, `${proxy.host}/kp/one:v1`, opts);
  // Layers go as stored, so the registry's digest is the local manifest digest.
  expect(pushed.digest).toBe(img.manifestDigest);
  expect(Object.values(pushed.blobs)).toEqual(['uploaded', 'uploaded', 'uploaded']);
  const inspect = JSON.parse(await skopeo(['inspect', '--tls-verify=false', `docker://${registry.host}/kp/one:v1`])) as { Digest: string; Layers: string[] };
  expect(inspect.Digest).toBe(pushed.digest);
  expect(inspect.Layers).toEqual(img.layers.map((l) => l.digest));
  const out = join(work, 'one');
  await skopeoCopy(`docker://${registry.host}/kp/one:v1`, `oci:${out}:v1`, ['--dest-oci-accept-uncompressed-layers']);
  const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
  expect(index.manifests[0].digest).toBe(img.manifestDigest);
  for (const l of img.layers) expect(sha(readFileSync(join(out, 'blobs', 'sha256', l.digest.slice(7))))).toBe(l.diffId);
});

test('pushing again sends no blob: only HEADs', async () => {
  const store = await freshStore();
  const img = await localImage(store, 'two');
  await pushImage(store, img, `${proxy.host}/kp/two:v1`, opts);
  proxy.log.length = 0;
  const again = await pushImage(store, img, `${proxy.host}/kp/two:v2`, opts);
  expect(Object.values(again.blobs)).toEqual(['exists', 'exists', 'exists']);
  expect(blobWrites()).toEqual([]);
  expect(proxy.log.filter((r) => r.path.includes('/blobs/')).every((r) => r.method === 'HEAD')).toBe(true);
  expect(proxy.log.filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual(['/v2/kp/two/manifests/v2']);
});

test('blobs pushed to another repository of the registry are mounted, not sent', async () => {
  const store = await freshStore();
  const img = await localImage(store, 'three');
  await pushImage(store, img, `${proxy.host}/kp/three:v1`, opts);
  proxy.log.length = 0;
  const other = await pushImage(store, img, `${proxy.host}/kp/elsewhere:v1`, opts);
  expect(Object.values(other.blobs)).toEqual(['mounted', 'mounted', 'mounted']);
  expect(proxy.log.filter((r) => r.method === 'PUT' || r.method === 'PATCH').map((r) => r.path)).toEqual(['/v2/kp/elsewhere/manifests/v1']);
  expect(proxy.log.filter((r) => r.path.includes('mount=')).length).toBe(3);
});

test('the mountFrom hint mounts from a repository the store never pushed to', async () => {
  const a = await freshStore();
  const img = await localImage(a, 'four');
  await pushImage(a, img, `${registry.host}/kp/four:v1`, opts);
  const b = await freshStore();
  for (const l of img.layers) await b.putBuffer((await a.readBlob(l.digest))!);
  await b.putBuffer((await a.readBlob(img.manifest.config.digest))!);
  proxy.log.length = 0;
  const pushed = await pushImage(b, { manifest: img.manifest, layers: img.layers }, `${proxy.host}/kp/four-copy:v1`, { ...opts, mountFrom: ['kp/four'] });
  expect(pushed.digest).toBe(img.manifestDigest);
  expect(Object.values(pushed.blobs)).toEqual(['mounted', 'mounted', 'mounted']);
});

test("compression 'gzip' is deterministic and round-trips through skopeo and our pull", async () => {
  const store = await freshStore();
  const img = await localImage(store, 'five');
  const first = await pushImage(store, img, `${proxy.host}/kp/five:gz`, { ...opts, compression: 'gzip' });
  expect(first.manifest.layers.every((l) => l.mediaType === MEDIA.layerGzip)).toBe(true);
  expect(first.digest).not.toBe(img.manifestDigest);
  // Another store with the same layers computes the same gzip bytes, so nothing new is sent.
  const other = await freshStore();
  for (const l of img.layers) await other.putBuffer((await store.readBlob(l.digest))!);
  await other.putBuffer((await store.readBlob(img.manifest.config.digest))!);
  proxy.log.length = 0;
  const second = await pushImage(other, img, `${proxy.host}/kp/five:gz`, { ...opts, compression: 'gzip' });
  expect(second.digest).toBe(first.digest);
  expect(Object.values(second.blobs)).toEqual(['exists', 'exists', 'exists']);
  expect(blobWrites()).toEqual([]);
  const inspect = JSON.parse(await skopeo(['inspect', '--tls-verify=false', `docker://${registry.host}/kp/five:gz`])) as { Digest: string };
  expect(inspect.Digest).toBe(first.digest);
  await skopeoCopy(`docker://${registry.host}/kp/five:gz`, `oci:${join(work, 'five')}:gz`);
  const pulled = await pullImage(`${registry.host}/kp/five:gz`, await freshStore(), opts);
  expect(pulled.layers.map((l) => l.diffId)).toEqual(img.layers.map((l) => l.diffId));
});

test("compression 'gzip' reuses the compressed blobs a pull saw instead of re-uploading", async () => {
  const dir = join(work, 'src');
  const built = await buildOciLayout(dir, 'v1', [{ layers: [{ files: randomFiles(2, 150_000) }, { files: { 'etc/x': 'x' }, compression: 'zstd' }] }]);
  await skopeoCopy(`oci:${dir}:v1`, `docker://${registry.host}/kp/base:v1`);
  const store = await freshStore();
  const base = await pullImage(`${proxy.host}/kp/base:v1`, store, opts);
  const manifest = JSON.parse((await store.readBlob(base.manifestDigest))!.toString()) as ImageManifest;
  const local: PushImageInput = {
    manifest: { ...manifest, layers: base.layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })) },
    layers: base.layers,
  };
  proxy.log.length = 0;
  const pushed = await pushImage(store, local, `${proxy.host}/kp/derived:v1`, { ...opts, compression: 'gzip' });
  expect(pushed.manifest.layers.map((l) => l.digest)).toEqual(built.images[0].layers.map((l) => l.digest));
  expect(pushed.manifest.layers.map((l) => l.mediaType)).toEqual([MEDIA.layerGzip, MEDIA.layerZstd]);
  expect(pushed.blobs[built.images[0].layers[0].digest]).toBe('mounted');
  expect(pushed.blobs[base.configDigest]).toBe('mounted');
  expect(blobWrites().filter((r) => !r.path.includes('mount='))).toEqual([]);
});
