import { compareIds, isoNames, jolietNames } from '../../../../src/writers/iso/names.js';

const iso = (names: string[], dirs: string[] = []) =>
  isoNames([...names, ...dirs], (n) => n, (n) => dirs.includes(n)).map((c) => c.id.toString('latin1'));
const jol = (names: string[]) =>
  jolietNames(names, (n) => n, () => false).map((c) => Buffer.from(c.id).swap16().toString('utf16le'));

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
    expect(compareIds(Buffer.from('A.B;1'), Buffer.from('A.B;1'), 1)).toBe(0);
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
