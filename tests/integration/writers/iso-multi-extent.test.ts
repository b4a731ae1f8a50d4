// A file of 4 GiB and more is written as several contiguous sections (flag 0x80 on all but
// the last), read back by isoinfo and xorriso. The source is sparse and so is our output.
import { closeSync, openSync, readSync, statfsSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { writeIso } from '../../../src/writers/iso/index.js';
import { run, tempDir } from './helpers.js';

const SIZE = 4 * 2 ** 30 + 123_456;
const TAIL = Buffer.from('end of a very large file');

describe('multi-extent files (>= 4 GiB)', () => {
  const tmp = tempDir('iso-big');
  afterAll(() => tmp.cleanup());
  const st = statfsSync(tmp.path);
  // the image and the source are sparse (a few MiB on disk), but the file system must allow 4 GiB files
  const room = st.bavail * st.bsize > 64 << 20;

  (room ? test : test.skip)('a 4 GiB + 120 KiB sparse file round-trips with its tail bytes in place', async () => {
    const src = join(tmp.path, 'big.bin');
    const fd = openSync(src, 'w');
    writeSync(fd, Buffer.from('head'), 0, 4, 0);
    writeSync(fd, TAIL, 0, TAIL.length, SIZE - TAIL.length);
    closeSync(fd);
    truncateSync(src, SIZE);
    const iso = join(tmp.path, 'big.iso');
    await writeIso({ entries: [{ path: 'big.bin', type: 'file', hostPath: src, mode: 0o600 }, { path: 'small.txt', type: 'file', data: Buffer.from('small') }] }, iso, { volumeId: 'BIG', sourceDateEpoch: 0 });

    const lsdl = run('xorriso', ['-indev', iso, '-find', '/', '-exec', 'lsdl']);
    expect(lsdl).toMatch(new RegExp(`-rw-------\\s+1\\s+0\\s+0\\s+${SIZE} .*'/big.bin'`));
    // isoinfo lists one record per section: the first of 0xFFFFF800 bytes, then the rest
    const l = run('isoinfo', ['-R', '-l', '-i', iso]);
    const secs = [...l.matchAll(/\s(\d+) \w{3}\s+\d+ \d+ \[\s*(\d+) ([0-9A-F]+)\]?\s+big\.bin/g)].map((m) => ({ size: Number(m[1]), lba: Number(m[2]), flags: m[3] }));
    expect(secs.map((s) => s.size)).toEqual([0xfffff800, SIZE - 0xfffff800]);
    expect(secs[0].flags).toMatch(/^(80|FFFF)$/); // isoinfo sign-extends the flag byte 0x80
    expect(secs[1].flags).toBe('00');
    expect(secs[1].lba).toBe(secs[0].lba + 0xfffff800 / 2048);
    const fdIso = openSync(iso, 'r');
    const at = (off: number, n: number) => {
      const b = Buffer.alloc(n);
      readSync(fdIso, b, 0, n, secs[0].lba * 2048 + off);
      return b;
    };
    expect(at(0, 4).toString()).toBe('head');
    expect(at(SIZE - TAIL.length, TAIL.length).equals(TAIL)).toBe(true);
    closeSync(fdIso);
  }, 120_000);
});
