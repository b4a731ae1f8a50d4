// The iso step hands the writer an entry list instead of a materialized tree:
// big files already in the store are read from their blob, others are copied
// out once; the folder's own metadata (not the build's clock) is the root's.
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CacheStore } from '../../../../src/cache/store.js';
import { flattenLayers } from '../../../../src/oci/layer/flatten.js';
import { isoEntries } from '../../../../src/scheduler/steps/iso.js';
import type { FlatView } from '../../../../src/scheduler/fs-view.js';
import { entry, layer } from '../../oci/layer/helpers.js';

let root: string;
let store: CacheStore;
beforeAll(async () => {
  root = await fs.mkdtemp(join(tmpdir(), 'kp-isoentries-'));
  store = await CacheStore.open(join(root, 'cache'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function viewOf(...layers: string[]): Promise<FlatView> {
  const entries = await flattenLayers(layers);
  return { entries, byPath: new Map(entries.map((e) => [e.entry.path, e])) };
}

test('blob-backed big files, copied small files, hardlinks inside and outside the folder, root metadata', async () => {
  const big = Buffer.alloc((1 << 20) + 512, 9);
  const other = Buffer.alloc((1 << 20) + 1, 5);
  const put = await store.putBuffer(big);
  const l = await layer(join(root, 'l.tar'), [
    entry('iso', 'directory', '', { mode: 0o750, mtime: 1234 }),
    { ...entry('iso/big', 'file', '', { size: big.length }), content: { buffer: big } },
    { ...entry('iso/other', 'file', '', { size: other.length }), content: { buffer: other } },
    entry('iso/small', 'file', 'hi', { mode: 0o600 }),
    entry('iso/empty', 'file', ''),
    entry('iso/sym', 'symlink', '', { linkname: 'small' }),
    entry('iso/hard', 'link', '', { linkname: 'iso/small' }),
    entry('outside', 'file', 'out', { mode: 0o755 }),
    entry('iso/hard-out', 'link', '', { linkname: 'outside' }),
  ]);
  const tmp = join(root, 'tmp');
  const list = await isoEntries(store, await viewOf(l), 'iso', tmp);
  const by = new Map(list.map((e) => [e.path, e]));
  expect(by.get('')).toMatchObject({ type: 'dir', mode: 0o750, mtime: 1234 });
  expect(by.get('big')!.hostPath).toBe(store.blobPath(put.digest));
  expect(by.get('other')!.hostPath!.startsWith(tmp)).toBe(true);
  expect(await fs.readFile(by.get('other')!.hostPath!)).toEqual(other);
  expect(await fs.readFile(by.get('small')!.hostPath!, 'utf8')).toBe('hi');
  expect(by.get('small')).toMatchObject({ mode: 0o600, size: 2 });
  expect(by.get('empty')).toMatchObject({ type: 'file', size: 0 });
  expect(by.get('empty')!.hostPath).toBeUndefined();
  expect(by.get('sym')).toMatchObject({ type: 'symlink', linkTarget: 'small', mode: 0o777 });
  expect(by.get('hard')).toMatchObject({ type: 'file', hardlinkTo: 'small' });
  expect(by.get('hard-out')).toMatchObject({ type: 'file', size: 3, mode: 0o755 });
  expect(await fs.readFile(by.get('hard-out')!.hostPath!, 'utf8')).toBe('out');
  expect(by.has('outside')).toBe(false);
}, 60_000);

test('the whole filesystem as root: a fixed root entry', async () => {
  const l = await layer(join(root, 'r.tar'), [entry('a', 'file', 'x')]);
  const list = await isoEntries(store, await viewOf(l), '', join(root, 'tmp2'));
  expect(list[0]).toEqual({ path: '', type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0 });
  expect(list.map((e) => e.path)).toEqual(['', 'a']);
});
