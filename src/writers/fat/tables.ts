// The FAT's fixed structures: boot sector with BPB (and FAT32's FSInfo and backup copies)
// and the allocation table itself, in 12-, 16- or 32-bit entries.
import { type Geometry, SECTOR } from './geometry.js';

/** Reserved sectors: boot sector, and for FAT32 FSInfo (1) and backups (6, 7). */
export function renderBootSectors(g: Geometry, label: string, serial: number, nextFree: number): Buffer {
  const count = g.type === 32 ? 8 : 1;
  const area = Buffer.alloc(count * SECTOR);
  const b = area.subarray(0, SECTOR);
  b[0] = 0xeb;
  b[1] = g.type === 32 ? 0x58 : 0x3c;
  b[2] = 0x90;
  b.write('MSWIN4.1', 3, 'latin1');
  b.writeUInt16LE(SECTOR, 11);
  b[13] = g.sectorsPerCluster;
  b.writeUInt16LE(g.reservedSectors, 14);
  b[16] = 2;
  b.writeUInt16LE(g.rootEntries, 17);
  const small = g.type !== 32 && g.totalSectors < 0x10000;
  b.writeUInt16LE(small ? g.totalSectors : 0, 19);
  b[21] = 0xf8;
  b.writeUInt16LE(g.type === 32 ? 0 : g.fatSectors, 22);
  b.writeUInt16LE(32, 24);
  b.writeUInt16LE(64, 26);
  b.writeUInt32LE(0, 28);
  b.writeUInt32LE(small ? 0 : g.totalSectors, 32);
  const ext = g.type === 32 ? 64 : 36;
  if (g.type === 32) {
    b.writeUInt32LE(g.fatSectors, 36);
    b.writeUInt16LE(0, 40);
    b.writeUInt16LE(0, 42);
    b.writeUInt32LE(2, 44);
    b.writeUInt16LE(1, 48);
    b.writeUInt16LE(6, 50);
  }
  b[ext] = 0x80;
  b[ext + 2] = 0x29;
  b.writeUInt32LE(serial >>> 0, ext + 3);
  b.fill(0x20, ext + 7, ext + 18);
  b.write(label, ext + 7, 11, 'latin1');
  b.write(`FAT${g.type}   `, ext + 18, 8, 'latin1');
  b[510] = 0x55;
  b[511] = 0xaa;
  if (g.type === 32) {
    const info = area.subarray(SECTOR, 2 * SECTOR);
    info.writeUInt32LE(0x41615252, 0);
    info.writeUInt32LE(0x61417272, 484);
    info.writeUInt32LE(g.clusters - (nextFree - 2), 488);
    info.writeUInt32LE(nextFree, 492);
    info.writeUInt32LE(0xaa550000, 508);
    area.copy(area, 6 * SECTOR, 0, 2 * SECTOR);
  }
  return area;
}

/** One copy of the FAT with the given contiguous chains marked. */
export function renderFat(g: Geometry, chains: Array<{ first: number; count: number }>): Buffer {
  const fat = Buffer.alloc(g.fatSectors * SECTOR);
  const eoc = g.type === 12 ? 0xfff : g.type === 16 ? 0xffff : 0x0fffffff;
  const set = (n: number, v: number) => {
    if (g.type === 16) fat.writeUInt16LE(v, n * 2);
    else if (g.type === 32) fat.writeUInt32LE(v, n * 4);
    else {
      const o = Math.floor((n * 3) / 2);
      if (n % 2 === 0) {
        fat[o] = v & 0xff;
        fat[o + 1] = (fat[o + 1] & 0xf0) | ((v >> 8) & 0x0f);
      } else {
        fat[o] = (fat[o] & 0x0f) | ((v & 0x0f) << 4);
        fat[o + 1] = (v >> 4) & 0xff;
      }
    }
  };
  set(0, (eoc & ~0xff) | 0xf8);
  set(1, eoc);
  for (const { first, count } of chains) {
    for (let i = 0; i < count; i++) set(first + i, i === count - 1 ? eoc : first + i + 1);
  }
  return fat;
}
