// The iso step hands the writer an entry list instead of a materialized tree:
// every file is read in place from its layer tar (path and offset), nothing is
// copied out; the folder's own metadata (not the build's clock) is the root's.
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flattenLayers } from '../../../../src/oci/layer/flatten.js';
import { isoEntries } from '../../../../src/scheduler/steps/iso.js';
import type { FlatView } from '../../../../src/scheduler/fs-view.js';
import type { IsoEntry } from '../../../../src/writers/iso/index.js';
import { entry, layer } from '../../oci/layer/helpers.js';

let root: string;
beforeAll(async () => {
  root = await fs.mkdtemp(join(tmpdir(), 'kp-isoentries-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function viewOf(...layers: string[]): Promise<FlatView> {
  const entries = await flattenLayers(layers);
  return { entries, byPath: new Map(entries.map((e) => [e.entry.path, e])) };
}

/** The bytes an entry points at in its host file. */
async function bytesAt(e: IsoEntry): Promise<Buffer> {
  const fh = await fs.open(e.hostPath!, 'r');
  try {
    const buf = Buffer.alloc(e.size!);
    await fh.read(buf, 0, e.size!, e.hostOffset ?? 0);
    return buf;
  } finally {
    await fh.close();
  }
}

test('files read in place from the layer tar, hardlinks inside and outside the folder, root metadata', async () => {
  const big = Buffer.alloc((1 << 20) + 512, 9);
  const l = await layer(join(root, 'l.tar'), [
    entry('iso', 'directory', '', { mode: 0o750, mtime: 1234 }),
    { ...entry('iso/big', 'file', '', { size: big.length }), content: { buffer: big } },
    entry('iso/small', 'file', 'hi', { mode: 0o600 }),
    entry('iso/empty', 'file', ''),
    entry('iso/sym', 'symlink', '', { linkname: 'small' }),
    entry('iso/hard', 'link', '', { linkname: 'iso/small' }),
    entry('outside', 'file', 'out', { mode: 0o755 }),
    entry('iso/hard-out', 'link', '', { linkname: 'outside' }),
  ]);
  const list = isoEntries(await viewOf(l), 'iso');
  const by = new Map(list.map((e) => [e.path, e]));
  expect(by.get('')).toMatchObject({ type: 'dir', mode: 0o750, mtime: 1234 });
  expect(by.get('big')).toMatchObject({ hostPath: l, size: big.length });
  expect(await bytesAt(by.get('big')!)).toEqual(big);
  expect(by.get('small')).toMatchObject({ hostPath: l, mode: 0o600, size: 2 });
  expect((await bytesAt(by.get('small')!)).toString()).toBe('hi');
  expect(by.get('empty')).toMatchObject({ type: 'file', size: 0 });
  expect(by.get('empty')!.hostPath).toBeUndefined();
  expect(by.get('sym')).toMatchObject({ type: 'symlink', linkTarget: 'small', mode: 0o777 });
  expect(by.get('hard')).toMatchObject({ type: 'file', hardlinkTo: 'small' });
  expect(by.get('hard-out')).toMatchObject({ type: 'file', size: 3, mode: 0o755 });
  expect((await bytesAt(by.get('hard-out')!)).toString()).toBe('out');
  expect(by.has('outside')).toBe(false);
}, 60_000);

test('the whole filesystem as root: a fixed root entry', async () => {
  const l = await layer(join(root, 'r.tar'), [entry('a', 'file', 'x')]);
  const list = isoEntries(await viewOf(l), '');
  expect(list[0]).toEqual({ path: '', type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0 });
  expect(list.map((e) => e.path)).toEqual(['', 'a']);
});
