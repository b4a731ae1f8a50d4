import { chooseGeometry, geometryFor } from '../../../../src/writers/fat/geometry.js';
import { lfnChecksum, lfnEntries, shortName } from '../../../../src/writers/fat/dirent.js';

describe('FAT geometry', () => {
  test('cluster counts stay inside each type range', () => {
    expect(geometryFor(12, 8192, 1, 512)).toBeUndefined(); // too many clusters for FAT12
    expect(geometryFor(12, 8192, 2, 512)?.clusters).toBeLessThanOrEqual(4084);
    expect(geometryFor(32, 8192, 1, 0)).toBeUndefined(); // FAT32 needs 65525 clusters
    const g = geometryFor(16, 16384, 1, 512)!;
    expect(g.clusters).toBeGreaterThanOrEqual(4085);
    expect(g.dataStart).toBe(1 + 2 * g.fatSectors + 32);
  });
  test('the smallest cluster that fits is chosen', () => {
    expect(chooseGeometry(4 << 20, [12], 512, () => 10)?.sectorsPerCluster).toBe(2);
    expect(chooseGeometry(4 << 20, [12], 512, () => 1e9)).toBeUndefined();
  });
});

describe('FAT names', () => {
  test('plain 8.3 names need no long entries; others get ~N short names, unique', () => {
    const taken = new Set<string>();
    expect(shortName('README.TXT', taken)).toMatchObject({ long: false });
    const a = shortName('bootx64.efi', taken);
    const b = shortName('BootX64.efi', taken);
    expect(a.short.toString()).toBe('BOOTX6~1EFI');
    expect(b.short.toString()).toBe('BOOTX6~2EFI');
    expect(a.long).toBe(true);
  });
  test('long-name entries carry the checksum and end marker', () => {
    const short = shortName('a long file name.text', new Set()).short;
    const e = lfnEntries('a long file name.text', short);
    expect(e).toHaveLength(2);
    expect(e[0][0]).toBe(0x42);
    expect(e[1][0]).toBe(0x01);
    for (const x of e) expect(x[13]).toBe(lfnChecksum(short));
  });
});
