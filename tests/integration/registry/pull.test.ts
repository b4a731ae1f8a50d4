// Pull against a real docker-registry on loopback, images pushed there by skopeo;
// a logging/fault proxy in front shows which requests we make.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { CacheStore } from '../../../src/cache/store.js';
import { pullImage, resolveImage } from '../../../src/oci/registry/index.js';
import { ManifestUnknownError, NoMatchingPlatformError, RegistryDigestMismatchError, RegistryUnreachableError } from '../../../src/oci/registry/errors.js';
import { startRegistry, freePort, type RegistryServer } from '../../support/registry-server.js';
import { startProxy, type Proxy } from './proxy.js';
import { buildOciLayout, randomFiles, skopeo, skopeoCopy, type BuiltImage } from './oci-fixture.js';

import { jest } from '@jest/globals';

jest.setTimeout(60_000);

let registry: RegistryServer;
let proxy: Proxy;
let work: string;
let app: BuiltImage;
let multi: BuiltImage[];
let dock: BuiltImage;
let multiTop: string;
const stores: string[] = [];

async function freshStore(): Promise<CacheStore> {
  const dir = mkdtempSync(join(tmpdir(), 'kp-store-'));
  stores.push(dir);
  return CacheStore.open(dir);
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const opts = { retryDelayMs: 10 };

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startProxy(registry);
  work = mkdtempSync(join(tmpdir(), 'kp-pull-'));
  const one = await buildOciLayout(join(work, 'app'), 'v1', [
    {
      layers: [
        { files: { 'etc/os-release': 'ID=test\n', ...randomFiles(3, 200_000) } },
        { files: { 'usr/bin/tool': randomFiles(1, 300_000)['data/f0.bin'] }, compression: 'zstd' },
        { files: { 'etc/motd': 'hello\n' }, compression: 'none' },
      ],
    },
  ]);
  app = one.images[0];
  await skopeoCopy(`oci:${join(work, 'app')}:v1`, `docker://${registry.host}/test/app:v1`);
  const m = await buildOciLayout(join(work, 'multi'), 'v1', [
    { layers: [{ files: { amd: 'amd64' } }], architecture: 'amd64' },
    { layers: [{ files: { arm: 'arm64' } }], architecture: 'arm64' },
  ]);
  multi = m.images;
  multiTop = m.topDigest;
  await skopeoCopy(`oci:${join(work, 'multi')}:v1`, `docker://${registry.host}/test/multi:v1`, ['--all']);
  await skopeoCopy(`oci:${join(work, 'multi')}:v1`, `docker://${registry.host}/test/docker-multi:v1`, ['--all', '--format', 'v2s2']);
  dock = (await buildOciLayout(join(work, 'dock'), 'v1', [{ layers: [{ files: randomFiles(2, 30_000) }, { files: { 'etc/issue': 'docker\n' } }] }])).images[0];
  await skopeoCopy(`oci:${join(work, 'dock')}:v1`, `docker://${registry.host}/test/docker:v1`, ['--format', 'v2s2']);
  // docker.io/library/base, served by the loopback registry acting as a mirror.
  await skopeoCopy(`oci:${join(work, 'app')}:v1`, `docker://${registry.host}/library/base:v1`);
});

afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
  for (const d of stores) rmSync(d, { recursive: true, force: true });
});

beforeEach(() => {
  proxy.log.length = 0;
  proxy.faults.corruptBlob = undefined;
  proxy.faults.cutBlob = undefined;
});

const blobGets = () => proxy.log.filter((r) => r.method === 'GET' && r.path.includes('/blobs/'));

test('pulls a skopeo-pushed image (gzip, zstd and plain layers) and stores layers uncompressed', async () => {
  const store = await freshStore();
  const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/test/app:v1`]);
  const pulled = await pullImage(`${proxy.host}/test/app:v1`, store, opts);
  expect(pulled.manifestDigest).toBe(sha(Buffer.from(raw)));
  expect(pulled.configDigest).toBe(app.configDigest);
  expect(pulled.config.rootfs.diff_ids).toEqual(app.layers.map((l) => l.diffId));
  expect(pulled.layers.map((l) => l.digest)).toEqual(app.layers.map((l) => l.diffId));
  for (const [i, l] of pulled.layers.entries()) {
    expect(l.mediaType).toBe('application/vnd.oci.image.layer.v1.tar');
    expect(l.diffId).toBe(l.digest);
    expect(l.size).toBe(app.layers[i].tar.length);
    expect((await store.readBlob(l.digest))?.equals(app.layers[i].tar)).toBe(true);
  }
  // The original manifest and config are kept too.
  expect((await store.readBlob(pulled.manifestDigest))?.toString()).toBe(raw);
  expect(await store.hasBlob(pulled.configDigest)).toBe(true);
  expect(pulled.ref.digest).toBe(pulled.manifestDigest);
  expect(blobGets().length).toBe(4);
});

test('a second pull into the same store does no blob GET', async () => {
  const store = await freshStore();
  const first = await pullImage(`${proxy.host}/test/app:v1`, store, opts);
  proxy.log.length = 0;
  const events: string[] = [];
  const second = await pullImage(`${proxy.host}/test/app:v1`, store, { ...opts, onProgress: (e) => events.push(e.phase) });
  expect(second).toEqual(first);
  expect(blobGets()).toEqual([]);
  // One HEAD to resolve the tag; everything else comes from the store.
  expect(proxy.log.map((r) => r.method)).toEqual(['HEAD']);
  expect(events).toEqual(['cached', 'cached', 'cached']);
  // By digest nothing at all is asked.
  proxy.log.length = 0;
  await pullImage(`${proxy.host}/test/app@${first.manifestDigest}`, store, opts);
  expect(proxy.log).toEqual([]);
});

test('platform selection from an index, default linux/amd64', async () => {
  const amd = await resolveImage(`${registry.host}/test/multi:v1`, opts);
  expect(amd.digest).toBe(multiTop);
  expect(amd.manifestDigest).toBe(multi[0].manifestDigest);
  expect(amd.index?.manifests).toHaveLength(2);
  const arm = await resolveImage(`${registry.host}/test/multi:v1`, { ...opts, platform: 'linux/arm64' });
  expect(arm.manifestDigest).toBe(multi[1].manifestDigest);
  const store = await freshStore();
  const pulled = await pullImage(`${registry.host}/test/multi:v1`, store, { ...opts, platform: 'linux/arm64' });
  expect(pulled.layers[0].diffId).toBe(multi[1].layers[0].diffId);
  expect(pulled.digest).toBe(multiTop);
  const err = await resolveImage(`${registry.host}/test/multi:v1`, { ...opts, platform: 'linux/s390x' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(NoMatchingPlatformError);
  expect((err as Error).message).toContain('linux/amd64, linux/arm64');
  expect((err as Error).message).toContain(`${registry.host}/test/multi:v1`);
});

test('Docker v2 manifests and manifest lists (skopeo --format v2s2)', async () => {
  const list = await resolveImage(`${registry.host}/test/docker-multi:v1`, { ...opts, platform: 'linux/arm64' });
  expect(list.mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
  expect(list.manifest.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
  const store = await freshStore();
  const arm = await pullImage(`${registry.host}/test/docker-multi:v1`, store, { ...opts, platform: 'linux/arm64' });
  expect(arm.layers[0].diffId).toBe(multi[1].layers[0].diffId);
  const r = await resolveImage(`${registry.host}/test/docker:v1`, opts);
  expect(r.manifest.layers[0].mediaType).toBe('application/vnd.docker.image.rootfs.diff.tar.gzip');
  const pulled = await pullImage(`${registry.host}/test/docker:v1`, store, opts);
  expect(pulled.layers.map((l) => l.diffId)).toEqual(pulled.config.rootfs.diff_ids);
  expect(pulled.layers.map((l) => l.diffId)).toEqual(dock.layers.map((l) => l.diffId));
  for (const l of pulled.layers) expect(await store.verifyBlob(l.digest)).toBe(true);
});

test('a missing tag is a clear error naming the reference', async () => {
  const err = await resolveImage(`${registry.host}/test/app:nope`, opts).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ManifestUnknownError);
  expect((err as ManifestUnknownError).code).toBe('MANIFEST_UNKNOWN');
  expect((err as Error).message).toContain(`${registry.host}/test/app:nope`);
  const store = await freshStore();
  const err2 = await pullImage(`${registry.host}/test/nothing:v1`, store, opts).catch((e: unknown) => e);
  expect(err2).toBeInstanceOf(ManifestUnknownError);
});

test('a blob whose bytes do not match its digest is refused and nothing is stored', async () => {
  const store = await freshStore();
  proxy.faults.corruptBlob = app.layers[0].digest;
  const err = await pullImage(`${proxy.host}/test/app:v1`, store, opts).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RegistryDigestMismatchError);
  expect((err as RegistryDigestMismatchError).expected).toBe(app.layers[0].digest);
  expect((err as Error).message).toContain(app.layers[0].digest);
  expect(await store.hasBlob(app.layers[0].diffId)).toBe(false);
});

test('a connection cut mid-blob is resumed with a Range request', async () => {
  const store = await freshStore();
  const big = app.layers[0];
  proxy.faults.cutBlob = { digest: big.digest, afterBytes: Math.floor(big.size / 3), times: 1 };
  const retries: number[] = [];
  const pulled = await pullImage(`${proxy.host}/test/app:v1`, store, { ...opts, onProgress: (e) => e.phase === 'retry' && retries.push(e.bytesDone) });
  expect(pulled.layers[0].diffId).toBe(big.diffId);
  expect((await store.readBlob(big.diffId))?.equals(big.tar)).toBe(true);
  const gets = blobGets().filter((r) => r.path.endsWith(big.digest));
  expect(gets).toHaveLength(2);
  expect(gets[1].range).toMatch(/^bytes=\d+-$/);
  expect(Number(/=(\d+)-/.exec(gets[1].range!)![1])).toBeGreaterThan(0);
  expect(retries).toHaveLength(1);
});

test('--registry-mirror: docker.io requests go to the mirror; the identity stays docker.io', async () => {
  const store = await freshStore();
  const pulled = await pullImage('base:v1', store, { ...opts, mirrors: { 'docker.io': proxy.host } });
  expect(pulled.ref.registry).toBe('docker.io');
  expect(pulled.ref.repository).toBe('library/base');
  expect(pulled.configDigest).toBe(app.configDigest);
  expect(proxy.log.some((r) => r.path.startsWith('/v2/library/base/manifests/v1'))).toBe(true);
});

test('an unreachable registry names the host; a public one suggests --registry-mirror', async () => {
  const port = await freePort();
  const err = await resolveImage(`127.0.0.1:${port}/x/y:z`, { ...opts, retries: 0 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RegistryUnreachableError);
  expect((err as Error).message).toContain(`127.0.0.1:${port}`);
  const hub = await resolveImage('ubuntu:24.04', { ...opts, retries: 0 }).catch((e: unknown) => e);
  expect(hub).toBeInstanceOf(RegistryUnreachableError);
  expect((hub as Error).message).toContain('registry-1.docker.io');
  expect((hub as RegistryUnreachableError).hint).toContain('--registry-mirror docker.io=HOST:PORT');
});
