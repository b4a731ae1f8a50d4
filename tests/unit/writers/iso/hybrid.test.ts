import { crc32 } from 'node:zlib';
import { guidBytes, guidFromHash, renderGptTail, renderSystemArea, ESP_TYPE, type HybridPlan } from '../../../../src/writers/iso/hybrid.js';

const plan = (): HybridPlan => ({
  mbrCode: Buffer.alloc(512, 0x90),
  grub2Sector: 276n,
  totalSectors: 20000,
  diskGuid: guidFromHash(Buffer.alloc(32, 1)),
  partitions: [
    { type: ESP_TYPE, guid: guidFromHash(Buffer.alloc(32, 2)), first: 64, last: 999, name: 'ISO9660', attributes: 1n },
  ],
});

describe('hybrid MBR + GPT', () => {
  test('GUID text to GPT mixed-endian bytes', () => {
    expect(guidBytes(ESP_TYPE).toString('hex')).toBe('28732ac11ff8d211ba4b00a0c93ec93b');
  });

  test('MBR: boot code, GRUB2 sector at 0x1B0, protective and bootable entries, 55AA', () => {
    const a = renderSystemArea(plan());
    expect(a.length).toBe(32768);
    expect(a[0]).toBe(0x90);
    expect(a.readBigUInt64LE(0x1b0)).toBe(276n);
    expect(a[446 + 4]).toBe(0xee);
    expect(a.readUInt32LE(446 + 8)).toBe(1);
    expect(a.readUInt32LE(446 + 12)).toBe(19999);
    expect(a[462]).toBe(0x80);
    expect([a[510], a[511]]).toEqual([0x55, 0xaa]);
  });

  test('primary and backup headers: CRCs, cross-references, entries', () => {
    const p = plan();
    const a = renderSystemArea(p);
    const h = Buffer.from(a.subarray(512, 1024));
    expect(h.subarray(0, 8).toString()).toBe('EFI PART');
    const crc = h.readUInt32LE(16);
    h.writeUInt32LE(0, 16);
    expect(crc32(h.subarray(0, 92))).toBe(crc);
    expect(h.readBigUInt64LE(32)).toBe(19999n);
    expect(crc32(a.subarray(1024, 1024 + 16384))).toBe(h.readUInt32LE(88));
    const tail = renderGptTail(p, 9 * 2048);
    const bh = tail.subarray(tail.length - 512);
    expect(bh.readBigUInt64LE(24)).toBe(19999n);
    expect(bh.readBigUInt64LE(32)).toBe(1n);
    expect(bh.readBigUInt64LE(72)).toBe(19999n - 32n);
    expect(bh.readUInt32LE(88)).toBe(h.readUInt32LE(88));
  });
});
