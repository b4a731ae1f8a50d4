import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CacheStore } from '../../../../src/cache/store.js';
import { storeImage, imageConfigOf, splitImageName } from '../../../../src/oci/image/manifest.js';
import { writeImageArchive } from '../../../../src/oci/image/archive.js';
import { MEDIA, emptyImageConfig, type FsState } from '../../../../src/oci/types.js';

const exec = promisify(execFile);
let root: string;
let store: CacheStore;
let state: FsState;

beforeAll(async () => {
  root = await fs.mkdtemp(join(tmpdir(), 'kp-image-'));
  store = await CacheStore.open(join(root, 'cache'));
  const layer = await store.putBuffer(Buffer.alloc(1024));
  const cfg = emptyImageConfig();
  cfg.config = { Env: ['GREETING=hello'], Labels: { 'org.example.mode': 'a' }, WorkingDir: '/srv' };
  state = { layers: [{ mediaType: MEDIA.layerTar, digest: layer.digest, size: layer.size, diffId: layer.digest }], config: cfg };
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('image manifest and config', () => {
  test('the same state gives the same manifest digest', async () => {
    const a = await storeImage(store, state);
    const b = await storeImage(store, JSON.parse(JSON.stringify(state)) as FsState);
    expect(a.manifest.digest).toBe(b.manifest.digest);
    const manifest = JSON.parse((await store.readBlob(a.manifest.digest))!.toString()) as { config: { digest: string }; layers: Array<{ digest: string }> };
    expect(manifest.config.digest).toBe(a.config.digest);
    expect(manifest.layers.map((l) => l.digest)).toEqual([state.layers[0].digest]);
  });

  test('the config has diff_ids, a fixed created time and the runtime config', () => {
    const c = imageConfigOf(state);
    expect(c.rootfs.diff_ids).toEqual([state.layers[0].diffId]);
    expect(c.created).toBe('1970-01-01T00:00:00.000Z');
    expect(c.config.Env).toEqual(['GREETING=hello']);
    expect(c.history).toHaveLength(1);
  });

  test('splitImageName', () => {
    expect(splitImageName('hello')).toEqual({ repo: 'hello', tag: 'latest' });
    expect(splitImageName('hello:kairos')).toEqual({ repo: 'hello', tag: 'kairos' });
    expect(splitImageName('localhost:5000/a/b')).toEqual({ repo: 'localhost:5000/a/b', tag: 'latest' });
    expect(splitImageName('localhost:5000/a/b:v1')).toEqual({ repo: 'localhost:5000/a/b', tag: 'v1' });
  });
});

describe('image archive', () => {
  test('is deterministic and holds the OCI layout and a docker manifest.json', async () => {
    const img = await storeImage(store, state);
    await writeImageArchive(store, 'hello:kairos', img, join(root, 'a.tar'));
    await writeImageArchive(store, 'hello:kairos', img, join(root, 'b.tar'));
    expect(await fs.readFile(join(root, 'a.tar'))).toEqual(await fs.readFile(join(root, 'b.tar')));
    const { stdout } = await exec('tar', ['-tf', join(root, 'a.tar')]);
    const names = stdout.trim().split('\n');
    expect(names).toEqual(expect.arrayContaining(['index.json', 'manifest.json', 'oci-layout', `blobs/sha256/${img.manifest.digest.slice(7)}`, `blobs/sha256/${img.config.digest.slice(7)}`]));
    const { stdout: idx } = await exec('tar', ['-xOf', join(root, 'a.tar'), 'index.json']);
    const index = JSON.parse(idx) as { manifests: Array<{ digest: string; annotations: Record<string, string> }> };
    expect(index.manifests[0].digest).toBe(img.manifest.digest);
    expect(index.manifests[0].annotations['org.opencontainers.image.ref.name']).toBe('kairos');
    const { stdout: dm } = await exec('tar', ['-xOf', join(root, 'a.tar'), 'manifest.json']);
    expect(JSON.parse(dm)).toEqual([{ Config: `blobs/sha256/${img.config.digest.slice(7)}`, RepoTags: ['hello:kairos'], Layers: [`blobs/sha256/${state.layers[0].digest.slice(7)}`] }]);
  });
});
