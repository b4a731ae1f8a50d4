import { patchBootImage, renderCatalog } from '../../../../src/writers/iso/el-torito.js';
import { IsoBootImageTooLargeError, IsoBootImageTooSmallError } from '../../../../src/writers/iso/errors.js';
import { sectorCount } from '../../../../src/writers/iso/el-torito.js';

describe('El Torito', () => {
  test('catalog: validation checksum, BIOS default entry, final EFI section', () => {
    const c = renderCatalog({ lba: 68, sectors: 4 }, { lba: 2180, sectors: 8192 });
    let sum = 0;
    for (let i = 0; i < 32; i += 2) sum = (sum + c.readUInt16LE(i)) & 0xffff;
    expect(sum).toBe(0);
    expect([c[0], c[1], c[30], c[31]]).toEqual([1, 0, 0x55, 0xaa]);
    expect([c[32], c[33], c.readUInt16LE(38), c.readUInt32LE(40)]).toEqual([0x88, 0, 4, 68]);
    expect([c[64], c[65], c.readUInt16LE(66)]).toEqual([0x91, 0xef, 1]);
    expect([c[96], c.readUInt16LE(102), c.readUInt32LE(104)]).toEqual([0x88, 8192, 2180]);
  });

  test('EFI only: validation platform 0xEF, EFI as default entry', () => {
    const c = renderCatalog(undefined, { lba: 40, sectors: 100 });
    expect(c[1]).toBe(0xef);
    expect(c.readUInt32LE(40)).toBe(40);
    expect(c[64]).toBe(0);
  });

  test('boot info table and GRUB2 boot info patch', () => {
    const img = Buffer.alloc(4096, 0);
    img.writeUInt32LE(7, 64);
    img.writeUInt32LE(5, 4092);
    const p = patchBootImage(img, 100, { bootInfoTable: true, grub2BootInfo: true }, 'x');
    expect(p.readUInt32LE(8)).toBe(16);
    expect(p.readUInt32LE(12)).toBe(100);
    expect(p.readUInt32LE(16)).toBe(4096);
    expect(p.readBigUInt64LE(2548)).toBe(405n);
    // checksum of 32-bit words from 64 on, after the GRUB2 patch
    expect(p.readUInt32LE(20)).toBe((7 + 5 + 405) >>> 0);
    expect(img.readUInt32LE(12)).toBe(0); // the input is not modified
  });

  test('too large and too small images are refused with codes', () => {
    expect(() => sectorCount(0x10000 * 512, 'x')).toThrow(IsoBootImageTooLargeError);
    expect(sectorCount(2048, 'x')).toBe(4);
    expect(() => patchBootImage(Buffer.alloc(100), 1, { bootInfoTable: false, grub2BootInfo: true }, 'x')).toThrow(IsoBootImageTooSmallError);
  });
});
