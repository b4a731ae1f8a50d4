// Bad input: each a clear, coded error, and never a half-written output file.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeIso, type IsoEntry, type IsoOptions } from '../../../src/writers/iso/index.js';
import { tempDir } from './helpers.js';

describe('ISO writer refuses bad input cleanly', () => {
  const tmp = tempDir('iso-err');
  afterAll(() => tmp.cleanup());
  const out = join(tmp.path, 'out.iso');
  const opts: IsoOptions = { volumeId: 'T', sourceDateEpoch: 0 };
  const leftovers = () => readdirSync(tmp.path).filter((n) => n.includes('out.iso'));
  const fails = async (entries: IsoEntry[], code: string, o: Partial<IsoOptions> = {}) => {
    await expect(writeIso({ entries }, out, { ...opts, ...o })).rejects.toMatchObject({ code });
    expect(leftovers()).toEqual([]);
  };

  test.each(['../etc/passwd', '/a/../../b', 'a/../../b'])('path %s escapes the root', (path) =>
    fails([{ path, type: 'file', data: Buffer.from('x') }], 'ISO_PATH_ESCAPES_ROOT'));

  test('two entries with one real path clash', () =>
    fails([{ path: 'a/b', type: 'file' }, { path: '/a//b', type: 'dir' }], 'ISO_NAME_CLASH'));

  test('a file used as a folder', () =>
    fails([{ path: 'a', type: 'file' }, { path: 'a/b', type: 'file' }], 'ISO_INVALID_ENTRY'));

  test('a cycle of hardlinks', () =>
    fails([
      { path: 'a', type: 'file', hardlinkTo: 'b' },
      { path: 'b', type: 'file', hardlinkTo: 'c' },
      { path: 'c', type: 'file', hardlinkTo: 'a' },
    ], 'ISO_HARDLINK_CYCLE'));

  test('a hardlink to nothing', () => fails([{ path: 'a', type: 'file', hardlinkTo: 'nope' }], 'ISO_INVALID_ENTRY'));

  test('names that clash only after ISO9660/Joliet mangling are mangled, not refused', async () => {
    const entries: IsoEntry[] = ['Readme.txt', 'README.TXT', 'readme.txt', 'a'.repeat(70) + '1', 'a'.repeat(70) + '2'].map((p) => ({ path: p, type: 'file' }));
    await expect(writeIso({ entries }, out, opts)).resolves.toMatchObject({ size: expect.any(Number) });
    rmSync(out);
  });

  test('boot image missing, a folder, or escaping the root', async () => {
    const entries: IsoEntry[] = [{ path: 'boot/grub', type: 'dir' }];
    await fails(entries, 'ISO_BOOT_IMAGE_MISSING', { boot: { bios: { image: 'boot/eltorito.img' } } });
    await fails(entries, 'ISO_BOOT_IMAGE_MISSING', { boot: { efi: { image: 'boot/grub' } } });
    await fails(entries, 'ISO_PATH_ESCAPES_ROOT', { boot: { bios: { image: '../boot/eltorito.img' } } });
    await fails(entries, 'ISO_BOOT_IMAGE_MISSING', { boot: { hybridMbr: join(tmp.path, 'no-such-mbr.img') } });
  });

  test('boot images too large for El Torito, or too small for the patches', async () => {
    await fails([{ path: 'efi.img', type: 'file', size: 40 << 20 }], 'ISO_BOOT_IMAGE_TOO_LARGE', { boot: { efi: { image: 'efi.img' } } });
    await fails([{ path: 'b.img', type: 'file', size: 33 << 20 }], 'ISO_BOOT_IMAGE_TOO_LARGE', { boot: { bios: { image: 'b.img' } } });
    await fails([{ path: 'b.img', type: 'file', size: 1000 }], 'ISO_BOOT_IMAGE_TOO_SMALL', { boot: { bios: { image: 'b.img', grub2BootInfo: true } } });
  });

  test('a negative size', () => fails([{ path: 'f', type: 'file', size: -5 }], 'ISO_INVALID_ENTRY'));

  test('bad volume id and load size', async () => {
    await fails([], 'ISO_INVALID_OPTION', { volumeId: 'X'.repeat(33) });
    await fails([{ path: 'b.img', type: 'file', size: 4096 }], 'ISO_INVALID_OPTION', { boot: { bios: { image: 'b.img', loadSize: 0 } } });
  });

  test('a source file that shrank: error, and an existing output is left untouched', async () => {
    writeFileSync(out, 'previous image');
    const src = join(tmp.path, 'short.bin');
    writeFileSync(src, Buffer.alloc(1000));
    await expect(writeIso({ entries: [{ path: 'f', type: 'file', hostPath: src, size: 5000 }] }, out, opts)).rejects.toMatchObject({ code: 'ISO_SOURCE_CHANGED' });
    expect(readFileSync(out, 'utf8')).toBe('previous image');
    expect(leftovers()).toEqual(['out.iso']);
    rmSync(out);
  });

  test('abort while writing removes the partial output', async () => {
    const ac = new AbortController();
    const p = writeIso({ entries: [{ path: 'zeros', type: 'file', size: 2 * 2 ** 30 }] }, out, { ...opts, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('user pressed ^C')), 50);
    await expect(p).rejects.toMatchObject({ code: 'ISO_ABORTED' });
    expect(leftovers()).toEqual([]);
  });
});
