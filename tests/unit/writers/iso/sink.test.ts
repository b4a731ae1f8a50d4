import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageSink } from '../../../../src/writers/iso/sink.js';
import { compareNames } from '../../../../src/writers/iso/tree.js';

const MiB = 1 << 20;

describe('ImageSink', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kp-sink-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Host files, buffers and zeros at random sizes; returns what the image must hold. */
  async function fill(sink: ImageSink, tag: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 40; i++) {
      const kind = rnd();
      const size = Math.floor(rnd() ** 3 * 6_000_000);
      if (kind < 0.5) {
        const b = Buffer.alloc(size);
        for (let k = 0; k < size; k += 509) b[k] = 1 + ((k + i) % 251);
        const p = join(dir, `${tag}${i}`);
        writeFileSync(p, b);
        await sink.copyFile(p, size);
        parts.push(b);
      } else if (kind < 0.8) {
        const b = Buffer.alloc(size % 70_000, i + 1);
        await sink.write(b);
        parts.push(b);
      } else {
        await sink.zeros(size);
        parts.push(Buffer.alloc(size));
      }
    }
    // files of whole chunks (2 MiB each), one byte more, and many chunks
    for (const size of [MiB, 2 * MiB, 2 * MiB + 1, 7 * MiB + 4097]) {
      const b = Buffer.alloc(size);
      for (let k = 0; k < size; k += 4093) b[k] = 1 + (k % 253);
      const p = join(dir, `${tag}-edge-${size}`);
      writeFileSync(p, b);
      await sink.copyFile(p, size);
      parts.push(b);
    }
    await sink.padTo(sink.pos + (4 << 20) * 2 + 5); // whole zero chunks become holes
    parts.push(Buffer.alloc((4 << 20) * 2 + 5));
    return Buffer.concat(parts);
  }

  async function check(sink: ImageSink, want: Buffer, out: string): Promise<void> {
    const r = await sink.finish();
    expect(r.size).toBe(want.length);
    expect(r.sha256).toBe(createHash('sha256').update(want).digest('hex'));
    expect(readFileSync(out).equals(want)).toBe(true);
    expect(statSync(out).size).toBe(want.length);
  }

  test('host files, buffers and zeros across chunk edges land in order, hashed as written (O_DIRECT where the file system allows it)', async () => {
    const out = join(dir, 'out.img');
    const sink = await ImageSink.open(out);
    // ext4, xfs and btrfs take O_DIRECT: on them the direct path is the one tested here
    if (process.platform === 'linux' && [0xef53, 0x58465342, 0x9123683e].includes(statfsSync(dir).type)) expect(sink.direct).toBe(true);
    await check(sink, await fill(sink, 'd'), out);
  }, 60_000);

  test('the same through the page cache', async () => {
    const out = join(dir, 'out-buffered.img');
    const sink = await ImageSink.open(out, undefined, { direct: false });
    expect(sink.direct).toBe(false);
    await check(sink, await fill(sink, 'b'), out);
  }, 60_000);

  test.each([
    ['the temp folder', () => mkdtempSync(join(dir, 'short-'))],
    ['tmpfs (O_DIRECT there since Linux 6.6, else the page cache)', () => mkdtempSync('/dev/shm/kp-sink-')],
  ])('an image whose last chunk is short of 4096 bytes comes out at its size in %s', async (_where, mk) => {
    if (!existsSync('/dev/shm')) throw new Error('this test needs /dev/shm (tmpfs)');
    const at = mk();
    try {
      const out = join(at, 'out.img');
      const sink = await ImageSink.open(out);
      const data = Buffer.concat([Buffer.alloc(2 * MiB, 3), Buffer.alloc(5000, 7)]);
      await sink.write(data);
      await check(sink, data, out);
    } finally {
      rmSync(at, { recursive: true, force: true });
    }
  });

  test.each([
    ['small', 10],
    ['large', 5 * MiB + 10],
  ])('a read error of a %s file surfaces and discard leaves no temp file', async (_kind, size) => {
    const out = join(dir, 'bad.img');
    const sink = await ImageSink.open(out);
    await sink.copyFile(join(dir, 'no-such-file'), size);
    await expect(sink.finish()).rejects.toMatchObject({ code: 'ENOENT' });
    await sink.discard();
    expect(readdirSync(dir).filter((n) => n.includes('bad.img'))).toEqual([]);
  });

  test.each([
    ['small', 5000],
    ['large', 5 * MiB + 5000],
  ])('a %s file that shrank is ISO_SOURCE_CHANGED', async (_kind, size) => {
    const src = join(dir, `shrunk-${size}`);
    writeFileSync(src, Buffer.alloc(size - 100, 1));
    const sink = await ImageSink.open(join(dir, 'shrunk.img'));
    await sink.copyFile(src, size);
    await expect(sink.finish()).rejects.toMatchObject({ code: 'ISO_SOURCE_CHANGED' });
    await sink.discard();
  });
});

describe('compareNames', () => {
  test('orders like the UTF-8 bytes (code points), also around surrogates and U+E000..U+FFFF', () => {
    const names = ['a', 'B', 'ä', 'Ω', '日本', '\uE000x', '\uFFFD', '😀', '😀a', 'z', '', 'ab', 'a\u0000'];
    const byBytes = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...names].sort(compareNames)).toEqual(byBytes);
  });
});
