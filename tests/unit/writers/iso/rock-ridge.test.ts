import { slLen } from '../../../../src/writers/iso/directory-record.js';
import { CE_AREA_MAX, nmEntries, planSystemUse, pnEntry, slEntries, spEntry } from '../../../../src/writers/iso/rock-ridge.js';

/** Decodes SL entries back into a path, following component and entry continuation flags. */
function decodeSl(entries: Buffer[]): string {
  let out = '';
  let cont = false;
  for (const e of entries) {
    expect(e.subarray(0, 2).toString()).toBe('SL');
    expect(e[2]).toBe(e.length);
    expect(e.length).toBeLessThanOrEqual(255);
    for (let o = 5; o < e.length; ) {
      const flags = e[o];
      const len = e[o + 1];
      const text = flags & 0x08 ? '' : flags & 0x02 ? '.' : flags & 0x04 ? '..' : e.subarray(o + 2, o + 2 + len).toString();
      if (!cont && out !== '' && out !== '/') out += '/';
      out += flags & 0x08 ? '/' : text;
      cont = (flags & 0x01) !== 0;
      o += 2 + len;
    }
  }
  return out;
}

describe('Rock Ridge entries', () => {
  test('SP is BE EF', () => expect(spEntry()).toEqual(Buffer.from([0x53, 0x50, 7, 1, 0xbe, 0xef, 0])));

  test('NM splits names over 250 bytes with CONTINUE', () => {
    const e = nmEntries('n'.repeat(255));
    expect(e.map((x) => x.length)).toEqual([255, 10]);
    expect(e[0][4]).toBe(1);
    expect(e[1][4]).toBe(0);
  });

  test.each(['hello.txt', '/usr/lib/os-release', '../../a/./b', '/', 'x'.repeat(300) + '/y/' + 'z'.repeat(600)])('SL round-trips %s', (t) => {
    const norm = t.replace(/\/+/g, '/');
    expect(decodeSl(slEntries(t))).toBe(norm);
  });

  test('slLen sizes SL entries without building them', () => {
    let seed = 5;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const parts = ['.', '..', '', 'a', 'ü', 'x'.repeat(120), 'y'.repeat(260), 'z'.repeat(251), '日本'];
    const targets = ['hello.txt', '/', '/usr/lib/os-release', '../../a/./b'];
    for (let i = 0; i < 300; i++) {
      const n = 1 + Math.floor(rnd() * 8);
      targets.push((rnd() < 0.3 ? '/' : '') + Array.from({ length: n }, () => parts[Math.floor(rnd() * parts.length)]).join('/') || 'a');
    }
    for (const t of targets) {
      const node = { name: 'l', type: 'symlink', mode: 0o777, uid: 0, gid: 0, mtime: 0, ino: 0, linkTarget: t } as const;
      expect([t, slLen(node)]).toEqual([t, slEntries(t).reduce((s, e) => s + e.length, 0)]);
    }
  });

  test('PN carries dev_t as high and low halves', () => {
    const e = pnEntry(0x1_0000_0407);
    expect(e.readUInt32LE(4)).toBe(1);
    expect(e.readUInt32LE(12)).toBe(0x407);
  });

  test('entries that do not fit go to chained continuation areas of at most one block', () => {
    const big = Array.from({ length: 20 }, () => Buffer.alloc(250, 1));
    const plan = planSystemUse(big, 200);
    expect(plan.inlineLen).toBeLessThanOrEqual(200);
    let n = 0;
    for (let a = plan.ce; a; a = a.next) {
      expect(a.len).toBeLessThanOrEqual(CE_AREA_MAX);
      n += a.parts.length;
    }
    expect(n + plan.inline.length).toBe(20);
    expect(planSystemUse([Buffer.alloc(10)], 200).ce).toBeUndefined();
  });
});
