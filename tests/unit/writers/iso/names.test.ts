import { compareIds, idBytes, isoNames, jolietNames, writeId } from '../../../../src/writers/iso/names.js';

const iso = (names: string[], dirs: string[] = []) =>
  isoNames([...names, ...dirs], (n) => n, (n) => dirs.includes(n)).map((c) => c.id);
const jol = (names: string[]) =>
  jolietNames(names, (n) => n, () => false).map((c) => c.id);

describe('ISO9660 level 3 names', () => {
  test('upper-cased d-characters with NAME.EXT;1 for files, no version for folders', () => {
    expect(iso(['hello.txt', 'Makefile', '.bashrc', 'a-b c.tar.gz'], ['lib64', 'x.d'])).toEqual(
      ['.BASHRC;1', 'A_B_C_TAR.GZ;1', 'HELLO.TXT;1', 'LIB64', 'MAKEFILE.;1', 'X_D'],
    );
  });
  test('at most 31 characters (30 plus the dot for files)', () => {
    const [f] = iso(['f'.repeat(50) + '.longextension']);
    expect(f.replace(';1', '').length).toBeLessThanOrEqual(31);
    expect(iso([], ['d'.repeat(50)])[0]).toBe('D'.repeat(31));
  });
  test('names that clash after mangling get numbered tails, all unique', () => {
    const ids = iso(['Readme.txt', 'README.TXT', 'readme.txt', 'read me.txt', 'read+me.txt']);
    expect(new Set(ids).size).toBe(5);
    expect(ids).toContain('README.TXT;1');
    expect(ids.filter((i) => /^README\d{3}\.TXT;1$/.test(i))).toHaveLength(2);
    const long = iso(Array.from({ length: 12 }, (_, i) => 'y'.repeat(40) + i));
    expect(new Set(long).size).toBe(12);
  });
  test('sorted as ECMA-119 9.3 (name, then extension, space padded)', () => {
    expect(iso(['AB.C', 'A.Z', 'A_.B'])).toEqual(['A.Z;1', 'AB.C;1', 'A_.B;1']);
    expect(compareIds('A.B;1', 'A.B;1')).toBe(0);
  });
});

describe('Joliet names', () => {
  test('keep case and unicode, no version, forbidden characters replaced', () => {
    expect(jol(['Grüße.txt', 'a:b*c?.md'])).toEqual(['Grüße.txt', 'a_b_c_.md']);
  });
  test('cut to 64 UCS-2 characters keeping the extension, unique', () => {
    const ids = jol(['L'.repeat(100) + '1.txt', 'L'.repeat(100) + '2.txt']);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(64);
    expect(ids[0].endsWith('.txt')).toBe(true);
    expect(new Set(ids).size).toBe(2);
  });
  test('characters outside the BMP become _', () => {
    expect(jol(['😀.txt'])).toEqual(['_.txt']);
  });
});

describe('identifier order and bytes', () => {
  /** ECMA-119 9.3 straight from the bytes: name then extension part, each padded with spaces (00 20 in UCS-2). */
  function reference(a: Buffer, b: Buffer, unit: 1 | 2): number {
    const split = (id: Buffer) => {
      let dot = -1;
      for (let i = 0; i + unit <= id.length; i += unit) {
        const c = unit === 1 ? id[i] : (id[i] << 8) | id[i + 1];
        if (c === 0x3b) return { dot, end: i };
        if (c === 0x2e && dot < 0) dot = i;
      }
      return { dot, end: id.length };
    };
    const cmp = (x: Buffer, x0: number, x1: number, y: Buffer, y0: number, y1: number) => {
      for (let i = 0; i < Math.max(x1 - x0, y1 - y0); i++) {
        const pad = unit === 2 && i % 2 === 0 ? 0 : 0x20;
        const cx = x0 + i < x1 ? x[x0 + i] : pad;
        const cy = y0 + i < y1 ? y[y0 + i] : pad;
        if (cx !== cy) return cx - cy;
      }
      return 0;
    };
    const sa = split(a);
    const sb = split(b);
    const ae = sa.dot < 0 ? sa.end : sa.dot;
    const be = sb.dot < 0 ? sb.end : sb.dot;
    return cmp(a, 0, ae, b, 0, be) || cmp(a, sa.dot < 0 ? 0 : sa.dot + unit, sa.dot < 0 ? 0 : sa.end, b, sb.dot < 0 ? 0 : sb.dot + unit, sb.dot < 0 ? 0 : sb.end);
  }
  const bytes = (id: string, wide: boolean) => {
    const b = Buffer.alloc(idBytes(id, wide));
    expect(writeId(b, 0, id, wide)).toBe(b.length);
    return b;
  };

  test('sorted like the padded byte comparison of the encoded identifiers, for random names of both trees', () => {
    let seed = 11;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const alphabet = ['a', 'A', 'b', '.', ' ', '_', '-', 'z', '1', 'ü', '日', '😀', '*', 'é', '.', ' ', 'Z'];
    const bad: string[] = [];
    for (let round = 0; round < 300; round++) {
      const names = new Set<string>();
      const count = 1 + Math.floor(rnd() * 25);
      while (names.size < count) {
        let n = '';
        const len = 1 + Math.floor(rnd() * (rnd() < 0.1 ? 80 : 8));
        for (let k = 0; k < len; k++) n += alphabet[Math.floor(rnd() * alphabet.length)];
        names.add(n);
      }
      const dirs = new Set([...names].filter(() => rnd() < 0.3));
      for (const wide of [false, true]) {
        const named = (wide ? jolietNames : isoNames)([...names], (n) => n, (n) => dirs.has(n));
        const enc = named.map((c) => bytes(c.id, wide));
        for (let i = 0; i < named.length; i++) {
          if (i > 0 && reference(enc[i - 1], enc[i], wide ? 2 : 1) > 0) bad.push(`${named[i - 1].id} > ${named[i].id}`);
          for (let j = 0; j < named.length; j++) {
            if (Math.sign(compareIds(named[i].id, named[j].id)) !== Math.sign(reference(enc[i], enc[j], wide ? 2 : 1))) bad.push(`${named[i].id} ? ${named[j].id}`);
          }
        }
      }
    }
    expect(bad).toEqual([]);
  });

  test('UCS-2BE for Joliet names, one byte for ".", ".." and the root in both trees', () => {
    expect(bytes('Aü', true)).toEqual(Buffer.from([0x00, 0x41, 0x00, 0xfc]));
    expect(bytes('A.TXT;1', false)).toEqual(Buffer.from('A.TXT;1'));
    for (const wide of [false, true]) {
      expect(bytes('\0', wide)).toEqual(Buffer.from([0]));
      expect(bytes('\x01', wide)).toEqual(Buffer.from([1]));
    }
  });
});
