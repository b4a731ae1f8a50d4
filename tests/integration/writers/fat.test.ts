// Our FAT images checked by dosfstools (fsck.fat -n) and mtools (mdir, mcopy).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FatTooSmallError, writeFatImage, type FatType } from '../../../src/writers/fat/index.js';
import { run, tempDir } from './helpers.js';

describe('FAT image writer read by fsck.fat and mtools', () => {
  const tmp = tempDir('fat');
  afterAll(() => tmp.cleanup());
  const efi = Buffer.alloc(700_000);
  for (let i = 0; i < efi.length; i++) efi[i] = (i * 31) & 0xff;
  const files = () => [
    { path: 'EFI/BOOT/bootx64.efi', hostPath: join(tmp.path, 'boot.efi') },
    { path: 'EFI/BOOT/grub.cfg', data: Buffer.from('search --file /boot/kernel\n') },
    { path: 'A long name — with ünicode.txt', data: Buffer.from('long') },
    { path: 'empty', data: Buffer.alloc(0) },
    ...Array.from({ length: 30 }, (_, i) => ({ path: `many/f${i}.dat`, data: Buffer.from(String(i)) })),
  ];
  beforeAll(() => writeFileSync(join(tmp.path, 'boot.efi'), efi));

  test.each<[FatType | undefined, number | undefined, string]>([
    [undefined, undefined, 'FAT (12 bit)'],
    [16, 8 << 20, 'FAT (16 bit)'],
    [32, 40 << 20, 'FAT (32 bit)'],
  ])('fatType %s, size %s: fsck.fat clean, mdir lists, bytes intact', async (fatType, sizeBytes, kind) => {
    const img = join(tmp.path, `f${fatType}.img`);
    const { size } = await writeFatImage({ label: 'EFI_LIVE', files: files(), fatType, sizeBytes, sourceDateEpoch: 1700000000 }, img);
    expect(size % (sizeBytes ?? 4 << 20)).toBe(0);
    expect(run('fsck.fat', ['-n', img])).not.toMatch(/differ|corrupt|invalid|bad|error/i);
    expect(run('file', [img])).toContain(kind);
    const dir = run('mdir', ['-i', img, '::EFI/BOOT']);
    expect(dir).toContain('bootx64.efi');
    expect(dir).toContain('grub.cfg');
    expect(run('mdir', ['-i', img, '::'])).toMatch(/Volume in drive : is EFI_LIVE/);
    expect(run('mdir', ['-i', img, '::'])).toContain('A long name — with ünicode.txt');
    const back = join(tmp.path, 'back.efi');
    run('mcopy', ['-n', '-o', '-i', img, '::EFI/BOOT/bootx64.efi', back]);
    expect(readFileSync(back).equals(efi)).toBe(true);
    expect(run('mtype', ['-i', img, '::many/f29.dat'])).toBe('29');
  });

  test('default size is the smallest fit rounded up to 4 MiB, and deterministic', async () => {
    const a = join(tmp.path, 'a.img');
    const b = join(tmp.path, 'b.img');
    const big = [{ path: 'big.bin', data: Buffer.alloc(5 << 20, 7) }];
    expect((await writeFatImage({ label: 'X', files: big }, a)).size).toBe(8 << 20);
    await writeFatImage({ label: 'X', files: big }, b);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  test('too small: clear error, no output left', async () => {
    const out = join(tmp.path, 'small.img');
    await expect(writeFatImage({ label: 'X', files: [{ path: 'a', data: Buffer.alloc(3 << 20) }], sizeBytes: 2 << 20 }, out)).rejects.toBeInstanceOf(FatTooSmallError);
    await expect(writeFatImage({ label: 'X', files: [], fatType: 32, sizeBytes: 8 << 20 }, out)).rejects.toMatchObject({ code: 'FAT_TOO_SMALL' });
    expect(run('ls', ['-A', tmp.path])).not.toMatch(/small/);
  });
});
