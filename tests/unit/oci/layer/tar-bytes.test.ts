// The layer writer must keep writing the bytes tar-stream 3 wrote for the same
// headers: layer digests are cache keys' inputs downstream, and a changed byte is
// a changed layer. tar-stream (still a dependency) is the reference here.
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tar from 'tar-stream';
import { writeLayerTar, type WritableEntry } from '../../../../src/oci/layer/writer.js';
import { entry } from './helpers.js';

let root: string;
beforeAll(async () => {
  root = await fs.mkdtemp(join(tmpdir(), 'kp-tarbytes-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** What the previous writer did: one tar-stream entry per LayerEntry (no xattrs, ids in range). */
async function reference(entries: WritableEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const ended = new Promise<void>((res) => pack.on('end', () => res()));
  for (const w of entries) {
    const e = w.entry;
    const header = {
      name: e.type === 'directory' ? `${e.path}/` : e.path, type: e.type, mode: e.mode & 0o7777, uid: e.uid, gid: e.gid, uname: '', gname: '',
      size: e.type === 'file' ? e.size : 0, mtime: new Date(e.mtime * 1000),
      ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
      ...(e.devmajor !== undefined ? { devmajor: e.devmajor, devminor: e.devminor ?? 0 } : {}),
    } as tar.Header;
    const body = e.type === 'file' ? (w.content && 'buffer' in w.content ? w.content.buffer : Buffer.alloc(0)) : undefined;
    await new Promise<void>((res, rej) => (body ? pack.entry(header, body, (err) => (err ? rej(err) : res())) : pack.entry(header, (err) => (err ? rej(err) : res()))));
  }
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

const d = (n: number) => 'd'.repeat(n);

test('byte-identical to tar-stream: long and non-ASCII names, links, devices, whiteouts, modes 0, big files', async () => {
  const big = Buffer.alloc(5 * 1024 * 1024 + 123, 7);
  const entries: WritableEntry[] = [
    entry('a', 'directory', '', { mode: 0 }),
    entry('a/.wh.gone', 'file', '', { mode: 0 }),
    entry('a/.wh..wh..opq', 'file', '', { mode: 0 }),
    entry('a/big', 'file', '', { size: big.length }),
    entry('a/empty', 'file', ''),
    entry('a/small', 'file', 'hello', { mode: 0o4755, uid: 1000, gid: 100, mtime: 1700000000 }),
    entry(`a/${d(99)}`, 'file', 'x'),
    entry(`a/${d(120)}/${d(99)}`, 'file', 'y'),
    entry(`a/${d(200)}`, 'file', 'no slash to split: pax'),
    entry('a/ünïcode', 'file', 'u'),
    entry('a/sym', 'symlink', '', { linkname: 'small' }),
    entry('a/longsym', 'symlink', '', { linkname: `../${d(150)}` }),
    entry('a/hard', 'link', '', { linkname: 'a/small' }),
    entry(`a/hard-${d(120)}`, 'link', '', { linkname: `a/${d(120)}/${d(99)}` }),
    entry('a/null', 'character-device', '', { devmajor: 1, devminor: 3, mode: 0o666 }),
    entry('a/fifo', 'fifo'),
  ];
  entries[3].content = { buffer: big };
  const path = join(root, 'x.tar');
  const ours = await writeLayerTar(entries, path);
  const theirs = await reference(entries);
  const written = await fs.readFile(path);
  expect(written.length).toBe(theirs.length);
  expect(written.equals(theirs)).toBe(true);
  expect(ours.size).toBe(theirs.length);
});

test('contents from files (with offsets) and streams give the same bytes as buffers', async () => {
  const src = join(root, 'src.bin');
  const data = Buffer.from(Array.from({ length: 700_000 }, (_, i) => i % 251));
  await fs.writeFile(src, data);
  const mk = (content: WritableEntry['content'], size: number): WritableEntry[] => [{ entry: { path: 'f', type: 'file', mode: 0o644, uid: 0, gid: 0, size, mtime: 0 }, content }];
  const a = await writeLayerTar(mk({ buffer: data.subarray(100) }, data.length - 100), join(root, 'b.tar'));
  const b = await writeLayerTar(mk({ file: src, start: 100 }, data.length - 100), join(root, 'f.tar'));
  const c = await writeLayerTar(mk({ stream: () => (async function* () { yield data.subarray(100, 5000); yield data.subarray(5000); })() as never }, data.length - 100), join(root, 's.tar'));
  expect(b).toEqual(a);
  expect(c).toEqual(a);
});

test('a file shorter than its recorded size fails and leaves no tar', async () => {
  const src = join(root, 'short.bin');
  await fs.writeFile(src, 'abc');
  const out = join(root, 'short.tar');
  await expect(writeLayerTar([{ entry: { path: 'f', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 10, mtime: 0 }, content: { file: src } }], out)).rejects.toThrow(/shorter/);
  await expect(fs.access(out)).rejects.toThrow();
});
