// Crafted tars that try to write outside the extraction root: every one must be
// refused with UnsafePathError and must leave nothing outside the root.
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tar from 'tar-stream';
import { extractLayer } from '../../../../src/oci/layer/extract.js';
import { UnsafePathError } from '../../../../src/oci/layer/errors.js';

type Raw = { name: string; type?: 'file' | 'directory' | 'symlink' | 'link'; linkname?: string; body?: string };

/** tar-stream writes names verbatim, so it can craft the hostile ones. */
async function craft(path: string, entries: Raw[]): Promise<void> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
  })();
  for (const e of entries) {
    await new Promise<void>((res, rej) =>
      pack.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname, mode: 0o644 }, e.body ?? '', (err) => (err ? rej(err) : res())),
    );
  }
  pack.finalize();
  await done;
  await fs.writeFile(path, Buffer.concat(chunks));
}

let dir: string;
let root: string;
let outside: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'kp-extract-'));
  root = join(dir, 'root');
  outside = join(dir, 'outside');
  await fs.mkdir(root);
  await fs.mkdir(outside);
  await fs.writeFile(join(outside, 'victim'), 'original');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function attempt(entries: Raw[]): Promise<unknown> {
  const t = join(dir, 'evil.tar');
  await craft(t, entries);
  return extractLayer(t, root, { whiteouts: 'apply' }).then(
    () => undefined,
    (e: unknown) => e,
  );
}

async function outsideUntouched(): Promise<void> {
  expect((await fs.readdir(outside)).sort()).toEqual(['victim']);
  expect(await fs.readFile(join(outside, 'victim'), 'utf8')).toBe('original');
}

test('refuses an absolute entry name', async () => {
  const err = await attempt([{ name: `${outside}/victim`, body: 'pwned' }]);
  expect(err).toBeInstanceOf(UnsafePathError);
  expect(err).toMatchObject({ code: 'UNSAFE_PATH' });
  await outsideUntouched();
});

test("refuses '..' in an entry name", async () => {
  expect(await attempt([{ name: '../outside/victim', body: 'pwned' }])).toBeInstanceOf(UnsafePathError);
  expect(await attempt([{ name: 'a/../../outside/new', body: 'pwned' }])).toBeInstanceOf(UnsafePathError);
  await outsideUntouched();
});

test('refuses to write through a symlink planted earlier in the same layer', async () => {
  const err = await attempt([
    { name: 'escape', type: 'symlink', linkname: outside },
    { name: 'escape/victim', body: 'pwned' },
  ]);
  expect(err).toBeInstanceOf(UnsafePathError);
  await outsideUntouched();
});

test('refuses a relative symlink that climbs out, then a write through it', async () => {
  const err = await attempt([
    { name: 'd', type: 'directory' },
    { name: 'd/up', type: 'symlink', linkname: '../../outside' },
    { name: 'd/up/new', body: 'pwned' },
  ]);
  expect(err).toBeInstanceOf(UnsafePathError);
  await outsideUntouched();
});

test('replaces, never follows, a symlink at the final path of a file', async () => {
  const err = await attempt([
    { name: 'victim-link', type: 'symlink', linkname: join(outside, 'victim') },
    { name: 'victim-link', body: 'inside' },
  ]);
  expect(err).toBeUndefined();
  expect((await fs.lstat(join(root, 'victim-link'))).isFile()).toBe(true);
  expect(await fs.readFile(join(root, 'victim-link'), 'utf8')).toBe('inside');
  await outsideUntouched();
});

test('refuses hardlinks that point outside the root', async () => {
  expect(await attempt([{ name: 'h', type: 'link', linkname: '../outside/victim' }])).toBeInstanceOf(UnsafePathError);
  expect(await attempt([{ name: 'h', type: 'link', linkname: join(outside, 'victim') }])).toBeInstanceOf(UnsafePathError);
  await expect(fs.lstat(join(root, 'h'))).rejects.toThrow();
  await outsideUntouched();
});

test('refuses a hardlink whose target sits behind a symlink', async () => {
  const err = await attempt([
    { name: 'escape', type: 'symlink', linkname: outside },
    { name: 'h', type: 'link', linkname: 'escape/victim' },
  ]);
  expect(err).toBeInstanceOf(UnsafePathError);
  expect((await fs.stat(join(outside, 'victim'))).nlink).toBe(1);
});

test("refuses a whiteout that would delete '..'", async () => {
  expect(await attempt([{ name: 'a/.wh...', body: '' }])).toBeInstanceOf(UnsafePathError);
  await outsideUntouched();
});
