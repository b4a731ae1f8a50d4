// The shortcuts that keep a step's overhead low must not change what a step
// produces or leaves behind: the constant empty layer is the tar the writer
// makes, the long-lived perl helper answers concurrent batches in order and
// mounts/unmounts without mount(8), and the executor checks are PATH lookups.
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CacheStore } from '../../../src/cache/store.js';
import { sha256File } from '../../../src/cache/digest.js';
import { EMPTY_LAYER, storeLayer } from '../../../src/executors/layer-out.js';
import { onPath } from '../../../src/executors/select.js';
import { mountTmpfs, unmount } from '../../../src/executors/oci/mount.js';
import { writeLayerTar } from '../../../src/oci/layer/writer.js';
import { runNative } from '../../../src/oci/layer/native-fs.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'kp-fast-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function mounted(target: string): Promise<boolean> {
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((l) => l.split(' ')[4] === target);
}

it('the empty layer is byte for byte the tar writeLayerTar makes for no entries', async () => {
  const out = join(dir, 'empty.tar');
  const { digest, size } = await writeLayerTar([], out);
  expect(digest).toBe(EMPTY_LAYER.digest);
  expect(size).toBe(EMPTY_LAYER.size);
  const store = await CacheStore.open(join(dir, 'cache'));
  const layer = await storeLayer(store, []);
  expect(layer).toEqual(EMPTY_LAYER);
  expect((await sha256File(store.blobPath(layer.digest))).digest).toBe(EMPTY_LAYER.digest);
});

it('onPath finds executables by lookup and misses what is not there', async () => {
  expect(await onPath('sh')).toMatch(/\/sh$/);
  expect(await onPath('/bin/sh')).toBe('/bin/sh');
  expect(await onPath('kairos-pipe-no-such-binary')).toBeUndefined();
  const plain = join(dir, 'plain');
  await fs.writeFile(plain, '', { mode: 0o644 });
  expect(await onPath(plain)).toBeUndefined(); // not executable
});

it('the perl helper answers concurrent batches in order', async () => {
  const files = await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const f = join(dir, `f${i}`);
      await fs.writeFile(f, '');
      return f;
    }),
  );
  const missing = join(dir, 'missing');
  const batches = await Promise.all(files.map((f, i) => runNative(i % 2 ? [{ op: 'list', path: f }, { op: 'list', path: missing }] : [{ op: 'list', path: missing }, { op: 'list', path: f }])));
  batches.forEach((b, i) => {
    expect(b.map((r) => r.ok)).toEqual(i % 2 ? [true, false] : [false, true]);
  });
});

const asRoot = process.getuid?.() === 0 ? it : it.skip;

asRoot('mounts and unmounts through the helper; unmounting a plain directory is a no-op', async () => {
  const target = join(dir, 'mnt');
  await fs.mkdir(target);
  await mountTmpfs(target, '1m');
  try {
    expect(await mounted(target)).toBe(true);
    await fs.writeFile(join(target, 'x'), 'x');
  } finally {
    await unmount(target);
  }
  expect(await mounted(target)).toBe(false);
  expect(await fs.readdir(target)).toEqual([]);
  await unmount(target);
  await unmount(join(dir, 'does-not-exist'));
});
