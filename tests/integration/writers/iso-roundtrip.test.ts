// Our ISO read back by independent tools: osirrox extraction compared with the source tree,
// isoinfo's view of the descriptors, Rock Ridge and Joliet, xorriso's listing.
import { chmodSync, chownSync, linkSync, mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeIso } from '../../../src/writers/iso/index.js';
import { diffSnapshots, extractIso, run, snapshot, tempDir } from './helpers.js';

const isRoot = process.getuid?.() === 0;
const longName = 'L'.repeat(120) + '-ünïcode-' + 'z'.repeat(100) + '.txt'; // 230 bytes, beyond Joliet's 64

function buildTree(root: string): void {
  const deep = join(root, 'a/b/c/d/e/f/g/h/i/j/k');
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(deep, 'deep.txt'), 'deep\n');
  mkdirSync(join(root, 'empty'));
  writeFileSync(join(root, 'hello.txt'), 'hello\n');
  writeFileSync(join(root, 'empty-file'), '');
  writeFileSync(join(root, longName), 'long\n');
  writeFileSync(join(root, 'Grüße — 日本語.md'), 'unicode\n');
  // names that collide once mangled to ISO9660 level 3 (upper case, 30 characters)
  for (const n of ['Readme.txt', 'README.TXT', 'readme.txt', 'x'.repeat(40) + '1.c', 'x'.repeat(40) + '2.c']) writeFileSync(join(root, n), n);
  symlinkSync('hello.txt', join(root, 'link'));
  symlinkSync('../../../' + 'p'.repeat(200) + '/q/./r', join(root, 'a/b/longlink'));
  symlinkSync('/usr/lib/os-release', join(root, 'abslink'));
  linkSync(join(root, 'hello.txt'), join(root, 'a/hard'));
  writeFileSync(join(root, 'big.bin'), Buffer.alloc(3 * 1024 * 1024 + 7, 0xab));
  chmodSync(join(root, 'a'), 0o2750);
  chmodSync(join(root, 'hello.txt'), 0o4755);
  if (isRoot) {
    chownSync(join(root, 'hello.txt'), 1000, 1001);
    chownSync(join(root, 'a/b'), 65534, 65534);
    run('mknod', [join(root, 'tty0'), 'c', '4', '0']);
    run('mknod', [join(root, 'loop9'), 'b', '7', '9']);
  }
  run('mkfifo', [join(root, 'fifo')]);
  utimesSync(join(root, 'hello.txt'), 1600000000, 1600000000);
  utimesSync(join(root, 'a'), 1500000000, 1500000000);
}

describe('ISO writer read back by xorriso and isoinfo', () => {
  const tmp = tempDir('iso-rt');
  const src = join(tmp.path, 'src');
  const iso = join(tmp.path, 'out.iso');
  let sha = '';
  beforeAll(async () => {
    mkdirSync(src);
    buildTree(src);
    ({ sha256: sha } = await writeIso({ dir: src }, iso, { volumeId: 'COS_LIVE', publisher: 'Kairos', sourceDateEpoch: 1700000000 }));
  });
  afterAll(() => tmp.cleanup());

  test('osirrox extracts exactly the source tree (names, modes, owners, links, mtimes, bytes)', () => {
    const out = join(tmp.path, 'extract');
    extractIso(iso, out);
    expect(diffSnapshots(snapshot(src), snapshot(out))).toEqual([]);
  });

  test('isoinfo -d sees the PVD, Joliet level 3 and Rock Ridge', () => {
    const d = run('isoinfo', ['-d', '-i', iso]);
    expect(d).toContain('Volume id: COS_LIVE');
    expect(d).toContain('Publisher id: Kairos');
    expect(d).toContain('Logical block size is: 2048');
    expect(d.trim().split('\n').slice(-2)).toEqual(['Joliet with UCS level 3 found', 'Rock Ridge signatures version 1 found']);
  });

  test('isoinfo -R -l shows Rock Ridge names, modes, owners, link targets and shared hardlink extents', () => {
    const l = run('isoinfo', ['-R', '-l', '-i', iso]);
    expect(l).toContain(longName);
    expect(l).toMatch(/lrwxrwxrwx .* link -> hello\.txt/);
    expect(l).toMatch(/l.* abslink -> \/usr\/lib\/os-release/);
    expect(l).toContain('Directory listing of /a/b/c/d/e/f/g/h/i/j/k/');
    const hello = /-rw[sx]r-xr-x\s+2\s.*\[\s*(\d+) 00\]\s+hello\.txt/.exec(l);
    const hard = /\s2\s.*\[\s*(\d+) 00\]\s+hard/.exec(l);
    expect(hello?.[1]).toBeDefined();
    expect(hard?.[1]).toBe(hello?.[1]);
  });

  test('the Joliet tree has names cut to 64 characters, unique, unicode kept', () => {
    expect(run('isoinfo', ['-J', '-l', '-i', iso])).toContain('Readme.txt');
    // isoinfo prints Joliet names as Latin-1; xorriso reading Joliet only shows them as they are
    const l = run('xorriso', ['-read_fs', 'norock', '-indev', iso, '-find', '/']);
    const paths = l.split('\n').filter((x) => x.startsWith("'/")).map((x) => x.slice(1, -1));
    expect(paths).toContain('/Grüße — 日本語.md');
    expect(paths).toContain('/a/b/c/d/e/f/g/h/i/j/k/deep.txt');
    expect(paths.some((p) => p.includes('link'))).toBe(false); // symlinks have no Joliet form
    for (const p of paths) for (const n of p.split('/')) expect([...n].length).toBeLessThanOrEqual(64);
    expect(paths.filter((p) => /^\/L+/.test(p))).toHaveLength(1);
    expect(new Set(paths.map((p) => p.toLowerCase())).size).toBeGreaterThan(paths.length - 3);
  });

  test('plain ISO9660 names are level 3 d-characters, mangled uniquely', () => {
    const l = run('isoinfo', ['-l', '-i', iso]);
    const root = l.split('Directory listing of /\n')[1].split('Directory listing')[0];
    const names = root.split('\n').map((x) => x.replace(/^.*\]\s+/, '').trim()).filter((n) => n && n !== '.' && n !== '..');
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) {
      expect(n).toMatch(/^[A-Z0-9_]*(\.[A-Z0-9_]*;1)?$/);
      expect(n.replace(/;1$/, '').length).toBeLessThanOrEqual(31);
    }
    expect(names.filter((n) => /^README/.test(n))).toHaveLength(3);
  });

  test('xorriso -find lists symlink targets and device nodes', () => {
    const l = run('xorriso', ['-indev', iso, '-find', '/', '-exec', 'lsdl']);
    expect(l).toContain("'/link' -> 'hello.txt'");
    if (isRoot) expect(l).toMatch(/^c.* 4,\s*0 .*'\/tty0'$/m);
    expect(l).toMatch(/^p.*'\/fifo'$/m);
  });

  test('the same input gives a byte-identical image', async () => {
    const again = join(tmp.path, 'again.iso');
    const r = await writeIso({ dir: src }, again, { volumeId: 'COS_LIVE', publisher: 'Kairos', sourceDateEpoch: 1700000000 });
    expect(r.sha256).toBe(sha);
    expect(readFileSync(again).equals(readFileSync(iso))).toBe(true);
  });
});
