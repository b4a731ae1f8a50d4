// Entries whose bytes sit inside a bigger host file (the iso() step reads files in place from
// uncompressed layer tars): the image must be byte-identical to one written from separate
// files, the boot-info-table patch included, and osirrox must extract the right bytes.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeIso, type IsoEntry, type IsoOptions } from '../../../src/writers/iso/index.js';
import { extractIso, tempDir } from './helpers.js';

describe('ISO entries read at an offset of a host file', () => {
  const tmp = tempDir('iso-offset');
  afterAll(() => tmp.cleanup());

  /** Distinct bytes, so an off-by-some read shows. */
  const bytes = (n: number, seed: number) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >> 9)) & 0xff;
    return b;
  };
  // a boot image (4 sectors: the boot-info-table goes at byte 8), a file across chunk edges, a small one
  const files: Array<[string, Buffer]> = [
    ['boot/eltorito.img', bytes(2048 * 4, 1)],
    ['big.bin', bytes((5 << 20) + 333, 2)],
    ['small.txt', Buffer.from('small\n')],
  ];
  const opts: IsoOptions = { volumeId: 'OFFSET', sourceDateEpoch: 1_700_000_000, boot: { bios: { image: 'boot/eltorito.img', bootInfoTable: true } } };

  test('same image as from separate files; osirrox extracts the bytes', async () => {
    // the pack: junk, then each file's bytes after some junk of its own; the last file runs to the end
    const parts: Buffer[] = [bytes(777, 9)];
    const packed: IsoEntry[] = [];
    const separate: IsoEntry[] = [];
    let at = 777;
    files.forEach(([path, data], i) => {
      const last = i === files.length - 1;
      packed.push({ path, type: 'file', hostPath: join(tmp.path, 'pack'), hostOffset: at, ...(last ? {} : { size: data.length }) });
      parts.push(data);
      at += data.length;
      if (!last) {
        parts.push(bytes(1000 + i, 10 + i));
        at += 1000 + i;
      }
      const own = join(tmp.path, `file-${i}`);
      writeFileSync(own, data);
      separate.push({ path, type: 'file', hostPath: own });
    });
    writeFileSync(join(tmp.path, 'pack'), Buffer.concat(parts));

    const a = await writeIso({ entries: packed }, join(tmp.path, 'packed.iso'), opts);
    const b = await writeIso({ entries: separate }, join(tmp.path, 'separate.iso'), opts);
    expect(a.sha256).toBe(b.sha256);
    expect(readFileSync(join(tmp.path, 'packed.iso')).equals(readFileSync(join(tmp.path, 'separate.iso')))).toBe(true);

    const out = join(tmp.path, 'x');
    extractIso(join(tmp.path, 'packed.iso'), out);
    for (const [path, data] of files.slice(1)) expect(readFileSync(join(out, path)).equals(data)).toBe(true);
    // the boot image was patched (boot-info-table at byte 8..63), the rest is the packed bytes
    const boot = readFileSync(join(out, 'boot/eltorito.img'));
    expect(boot.subarray(64).equals(files[0][1].subarray(64))).toBe(true);
    expect(boot.subarray(8, 16).equals(files[0][1].subarray(8, 16))).toBe(false);
  }, 60_000);

  test('a negative offset, or an offset without a host file, is ISO_INVALID_ENTRY', async () => {
    for (const e of [
      { path: 'f', type: 'file', hostPath: join(tmp.path, 'pack'), hostOffset: -1 },
      { path: 'f', type: 'file', hostOffset: 10, size: 5 },
      { path: 'f', type: 'file', hostPath: join(tmp.path, 'pack'), hostOffset: 1.5 },
    ] as IsoEntry[]) {
      await expect(writeIso({ entries: [e] }, join(tmp.path, 'bad.iso'), { volumeId: 'X' })).rejects.toMatchObject({ code: 'ISO_INVALID_ENTRY' });
    }
  });
});
