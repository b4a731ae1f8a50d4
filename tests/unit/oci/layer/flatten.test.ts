import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flattenLayers, type FlatEntry } from '../../../../src/oci/layer/flatten.js';
import { entry, layer } from './helpers.js';

let root: string;
let n = 0;
beforeAll(async () => {
  root = await fs.mkdtemp(join(tmpdir(), 'kp-flatten-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const L = (entries: Parameters<typeof layer>[1]) => layer(join(root, `l${n++}.tar`), entries);

async function contentOf(f: FlatEntry): Promise<string> {
  const fh = await fs.open(f.blob, 'r');
  try {
    const buf = Buffer.alloc(f.entry.size);
    await fh.read(buf, 0, f.entry.size, f.offset);
    return buf.toString();
  } finally {
    await fh.close();
  }
}

const paths = (fl: FlatEntry[]) => fl.map((f) => f.entry.path);

describe('flattenLayers', () => {
  test('the upper layer wins for the same path, and offsets point at its bytes', async () => {
    const lower = await L([entry('etc', 'directory'), entry('etc/os-release', 'file', 'lower'), entry('etc/keep', 'file', 'kept')]);
    const upper = await L([entry('etc', 'directory', '', { mode: 0o700 }), entry('etc/os-release', 'file', 'upper!')]);
    const fl = await flattenLayers([lower, upper]);
    expect(paths(fl)).toEqual(['etc', 'etc/keep', 'etc/os-release']);
    const os = fl.find((f) => f.entry.path === 'etc/os-release')!;
    expect(os.blob).toBe(upper);
    expect(await contentOf(os)).toBe('upper!');
    expect(await contentOf(fl.find((f) => f.entry.path === 'etc/keep')!)).toBe('kept');
    expect(fl[0].entry.mode).toBe(0o700);
  });

  test('a .wh. file removes a lower file and is not itself in the result', async () => {
    const lower = await L([entry('a'), entry('b'), entry('d', 'directory'), entry('d/x')]);
    const upper = await L([entry('.wh.a'), entry('d', 'directory'), entry('d/.wh.x')]);
    const fl = await flattenLayers([lower, upper]);
    expect(paths(fl)).toEqual(['b', 'd']);
  });

  test('a whiteout of a folder removes everything under it', async () => {
    const lower = await L([entry('usr', 'directory'), entry('usr/share', 'directory'), entry('usr/share/doc', 'file', 'x'), entry('usr/bin', 'directory')]);
    const upper = await L([entry('usr', 'directory'), entry('usr/.wh.share')]);
    expect(paths(await flattenLayers([lower, upper]))).toEqual(['usr', 'usr/bin']);
  });

  test('a whiteout applies only to the layers below, not to its own layer or above', async () => {
    const l0 = await L([entry('f', 'file', 'zero')]);
    const l1 = await L([entry('.wh.f')]);
    const l2 = await L([entry('f', 'file', 'two')]);
    const fl = await flattenLayers([l0, l1, l2]);
    expect(paths(fl)).toEqual(['f']);
    expect(await contentOf(fl[0])).toBe('two');
    expect(paths(await flattenLayers([l0, l1]))).toEqual([]);
  });

  test('an opaque folder hides the lower contents of the folder but keeps its own', async () => {
    const lower = await L([entry('var', 'directory'), entry('var/old1'), entry('var/sub', 'directory'), entry('var/sub/old2'), entry('other')]);
    const upper = await L([entry('var', 'directory'), entry('var/.wh..wh..opq'), entry('var/new')]);
    expect(paths(await flattenLayers([lower, upper]))).toEqual(['other', 'var', 'var/new']);
  });

  test('an opaque folder in a middle layer hides only what is below it', async () => {
    const l0 = await L([entry('d', 'directory'), entry('d/zero')]);
    const l1 = await L([entry('d', 'directory'), entry('d/.wh..wh..opq'), entry('d/one')]);
    const l2 = await L([entry('d', 'directory'), entry('d/two')]);
    expect(paths(await flattenLayers([l0, l1, l2]))).toEqual(['d', 'd/one', 'd/two']);
  });

  test('a file or symlink in an upper layer replaces a lower folder and everything under it', async () => {
    const lower = await L([entry('x', 'directory'), entry('x/y', 'file', 'lower child'), entry('z', 'directory'), entry('z/w')]);
    const upper = await L([entry('x', 'file', 'now a file'), entry('z', 'symlink', '', { linkname: '/tmp' })]);
    const fl = await flattenLayers([lower, upper]);
    expect(paths(fl)).toEqual(['x', 'z']);
    expect(fl[0].entry.type).toBe('file');
  });

  test('a hardlink whose target was removed is dropped; one whose target survives is kept', async () => {
    const lower = await L([entry('t1', 'file', 'x'), entry('t2', 'file', 'y'), entry('h1', 'link', '', { linkname: 't1' }), entry('h2', 'link', '', { linkname: 't2' })]);
    const upper = await L([entry('.wh.t1')]);
    expect(paths(await flattenLayers([lower, upper]))).toEqual(['h2', 't2']);
  });

  test('results are sorted parents first, siblings in byte order', async () => {
    const l = await L([entry('b'), entry('a', 'directory'), entry('a/z'), entry('a/B'), entry('a.txt')]);
    expect(paths(await flattenLayers([l]))).toEqual(['a', 'a/B', 'a/z', 'a.txt', 'b']);
  });

  test('no layers, empty result', async () => {
    expect(await flattenLayers([])).toEqual([]);
  });
});
