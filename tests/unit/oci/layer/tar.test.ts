import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeLayerTar } from '../../../../src/oci/layer/writer.js';
import { indexTar } from '../../../../src/oci/layer/tar-index.js';
import { comparePaths, fixedMtime, normalizeEntryPath } from '../../../../src/oci/layer/entry.js';
import { TarFormatError } from '../../../../src/oci/layer/errors.js';
import { entry } from './helpers.js';

const exec = promisify(execFile);
let root: string;
beforeAll(async () => {
  root = await fs.mkdtemp(join(tmpdir(), 'kp-tar-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const longName = `deep/${'d'.repeat(120)}/${'f'.repeat(90)}.txt`;
const entries = () => [
  entry('bin', 'directory'),
  entry('bin/sh', 'file', '#!/bin/sh\necho hi\n', { mode: 0o4755, uid: 1000, gid: 1001 }),
  entry('bin/link', 'symlink', '', { linkname: 'sh' }),
  entry('bin/hard', 'link', '', { linkname: 'bin/sh' }),
  entry('deep', 'directory'),
  entry(`deep/${'d'.repeat(120)}`, 'directory'),
  entry(longName, 'file', 'long'),
  entry('empty', 'file', ''),
  entry('cap', 'file', 'x', { xattrs: { 'security.capability': '\x01\x00\x00\x02' } }),
  entry('big-ids', 'file', 'x', { uid: 3_000_000, gid: 70_000 }),
];

/** A real security.capability value (cap_setuid+ep, VFS_CAP_REVISION_2): bytes >= 0x80 included. */
const CAP = Buffer.from([0x01, 0x00, 0x00, 0x02, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]).toString('latin1');

describe('layer tar writer', () => {
  test('the same entries give byte-identical tars', async () => {
    const a = await writeLayerTar(entries(), join(root, 'a.tar'));
    const b = await writeLayerTar(entries(), join(root, 'b.tar'));
    expect(a.digest).toBe(b.digest);
    expect(await fs.readFile(join(root, 'a.tar'))).toEqual(await fs.readFile(join(root, 'b.tar')));
    expect(a.size).toBe((await fs.stat(join(root, 'a.tar'))).size);
    expect(a.size % 512).toBe(0);
  });

  test('a different mode, owner or content gives a different digest', async () => {
    const base = await writeLayerTar([entry('f', 'file', 'x')], join(root, 'm0.tar'));
    const mode = await writeLayerTar([entry('f', 'file', 'x', { mode: 0o600 })], join(root, 'm1.tar'));
    const uid = await writeLayerTar([entry('f', 'file', 'x', { uid: 1 })], join(root, 'm2.tar'));
    const data = await writeLayerTar([entry('f', 'file', 'y')], join(root, 'm3.tar'));
    expect(new Set([base.digest, mode.digest, uid.digest, data.digest]).size).toBe(4);
  });

  test('indexTar reads back every field we wrote, with data offsets', async () => {
    const path = join(root, 'rt.tar');
    await writeLayerTar(entries(), path);
    const idx = await indexTar(path);
    const by = new Map(idx.map((i) => [i.entry.path, i]));
    expect([...by.keys()]).toEqual(entries().map((e) => e.entry.path));
    expect(by.get('bin/sh')!.entry).toMatchObject({ type: 'file', mode: 0o4755, uid: 1000, gid: 1001, size: 18, mtime: 0 });
    expect(by.get('bin/link')!.entry).toMatchObject({ type: 'symlink', linkname: 'sh' });
    expect(by.get('bin/hard')!.entry).toMatchObject({ type: 'link', linkname: 'bin/sh' });
    expect(by.get(longName)!.entry.size).toBe(4);
    expect(by.get('cap')!.entry.xattrs).toEqual({ 'security.capability': '\x01\x00\x00\x02' });
    expect(by.get('big-ids')!.entry).toMatchObject({ uid: 3_000_000, gid: 70_000 });
    const buf = Buffer.alloc(4);
    const fh = await fs.open(path, 'r');
    await fh.read(buf, 0, 4, by.get(longName)!.offset);
    await fh.close();
    expect(buf.toString()).toBe('long');
  });

  test('binary xattr values (bytes >= 0x80) and non-ASCII names round-trip byte for byte', async () => {
    const path = join(root, 'xattr.tar');
    const name = `usr/bin/päng-${'x'.repeat(100)}`;
    await writeLayerTar([entry('usr', 'directory'), entry('usr/bin', 'directory'), entry(name, 'file', 'p', { mode: 0o755, xattrs: { 'security.capability': CAP } })], path);
    const idx = await indexTar(path);
    expect(idx[2].entry.path).toBe(name);
    expect(Buffer.from(idx[2].entry.xattrs!['security.capability'], 'latin1')).toEqual(Buffer.from(CAP, 'latin1'));
    // GNU tar sees the same capability bytes.
    const { stdout } = await exec('tar', ['--xattrs', '--xattrs-include=*', '-tvvf', path]);
    expect(stdout).toContain('päng');
  });

  test('GNU tar reads it: names, modes, owners, link targets', async () => {
    const path = join(root, 'gnu.tar');
    await writeLayerTar(entries(), path);
    const { stdout } = await exec('tar', ['--numeric-owner', '-tvf', path]);
    const lines = stdout.trim().split('\n');
    expect(lines[1]).toMatch(/^-rwsr-xr-x 1000\/1001\s+18 1970-01-01 00:00 bin\/sh$/);
    expect(lines[2]).toMatch(/^lrwxrwxrwx 0\/0\s+0 .* bin\/link -> sh$/);
    expect(lines[3]).toMatch(/^hrw-r--r-- 0\/0\s+0 .* bin\/hard link to bin\/sh$/);
    expect(stdout).toContain(longName);
    expect(lines[lines.length - 1]).toMatch(/3000000\/70000/);
  });

  test('SOURCE_DATE_EPOCH sets the fixed mtime', () => {
    const saved = process.env.SOURCE_DATE_EPOCH;
    try {
      process.env.SOURCE_DATE_EPOCH = '1700000000';
      expect(fixedMtime()).toBe(1700000000);
      process.env.SOURCE_DATE_EPOCH = 'garbage';
      expect(fixedMtime()).toBe(0);
      delete process.env.SOURCE_DATE_EPOCH;
      expect(fixedMtime()).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = saved;
    }
  });

  test('an abort signal stops writing', async () => {
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(writeLayerTar(entries(), join(root, 'abort.tar'), ac.signal)).rejects.toThrow();
  });

  test('a truncated tar is a TarFormatError', async () => {
    const path = join(root, 'trunc.tar');
    await writeLayerTar([entry('f', 'file', 'x'.repeat(2000))], path);
    await fs.truncate(path, 1024);
    await expect(indexTar(path)).rejects.toBeInstanceOf(TarFormatError);
  });
});

describe('entry paths', () => {
  test('normalizeEntryPath', () => {
    expect(normalizeEntryPath('./a/b/')).toBe('a/b');
    expect(normalizeEntryPath('/abs')).toBe('abs');
    expect(normalizeEntryPath('./')).toBeUndefined();
    expect(normalizeEntryPath('.')).toBeUndefined();
  });
  test('comparePaths puts a folder before its children', () => {
    expect(['a.b', 'a/b', 'a', 'B'].sort(comparePaths)).toEqual(['B', 'a', 'a/b', 'a.b']);
  });
});
