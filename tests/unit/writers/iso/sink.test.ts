import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageSink } from '../../../../src/writers/iso/sink.js';
import { compareNames } from '../../../../src/writers/iso/tree.js';

describe('ImageSink', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kp-sink-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('host files, buffers and zeros across 4 MiB chunk edges land in order, hashed as written', async () => {
    const parts: Buffer[] = [];
    const sink = await ImageSink.open(join(dir, 'out.img'));
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 40; i++) {
      const kind = rnd();
      const size = Math.floor(rnd() ** 3 * 6_000_000);
      if (kind < 0.5) {
        const b = Buffer.alloc(size);
        for (let k = 0; k < size; k += 509) b[k] = 1 + ((k + i) % 251);
        const p = join(dir, `f${i}`);
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
    await sink.padTo(sink.pos + (4 << 20) * 2 + 5); // whole zero chunks become holes
    parts.push(Buffer.alloc((4 << 20) * 2 + 5));
    const want = Buffer.concat(parts);
    const r = await sink.finish();
    expect(r.size).toBe(want.length);
    expect(r.sha256).toBe(createHash('sha256').update(want).digest('hex'));
    expect(readFileSync(join(dir, 'out.img')).equals(want)).toBe(true);
    expect(statSync(join(dir, 'out.img')).size).toBe(want.length);
  }, 60_000);

  test('a read error surfaces and discard leaves no temp file', async () => {
    const out = join(dir, 'bad.img');
    const sink = await ImageSink.open(out);
    await sink.copyFile(join(dir, 'no-such-file'), 10);
    await expect(sink.finish()).rejects.toMatchObject({ code: 'ENOENT' });
    await sink.discard();
    expect(readdirSync(dir).filter((n) => n.includes('bad.img'))).toEqual([]);
  });
});

describe('compareNames', () => {
  test('orders like the UTF-8 bytes (code points), also around surrogates and U+E000..U+FFFF', () => {
    const names = ['a', 'B', 'ä', 'Ω', '日本', '\uE000x', '\uFFFD', '😀', '😀a', 'z', '', 'ab', 'a\u0000'];
    const byBytes = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...names].sort(compareNames)).toEqual(byBytes);
  });
});
