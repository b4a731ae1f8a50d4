// Property test: seeded random trees (unicode and long names, deep paths, symlinks,
// hardlinks, empty files and folders, a sparse file, odd modes and owners) written by our
// writer and extracted by osirrox must equal the source, for every seed.
import { chmodSync, existsSync, closeSync, lchownSync, linkSync, lutimesSync, mkdirSync, openSync, symlinkSync, truncateSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { writeIso } from '../../../src/writers/iso/index.js';
import { diffSnapshots, extractIso, prng, run, snapshot, tempDir } from './helpers.js';

const isRoot = process.getuid?.() === 0;
const PIECES = ['a', 'B', 'zz', 'Ä', 'ß', 'é', '日本', 'Ω', ' ', '-', '.', '_', '~', '#', '%', '😀', 'readme', 'README', 'x'.repeat(40)];

function genTree(root: string, seed: number): void {
  const r = prng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const name = (): string => {
    let n = '';
    const len = r() < 0.1 ? 60 + Math.floor(r() * 20) : 1 + Math.floor(r() * 4);
    while (n.length < len) n += pick(PIECES);
    n = n.replace(/^\.+/, 'd');
    while (Buffer.byteLength(n) > 255) n = n.slice(0, -1);
    return n;
  };
  const files: string[] = [];
  const dirs: string[] = [root];
  // a chain deeper than ISO9660's 8 levels
  let deep = root;
  for (let i = 0; i < 10 + Math.floor(r() * 4); i++) dirs.push((deep = join(deep, name().slice(0, 20))));
  mkdirSync(deep, { recursive: true });
  for (let i = 0; i < 60; i++) {
    const dir = pick(dirs);
    const p = join(dir, name());
    if (existsSync(p)) continue;
    try {
      const kind = r();
      const isLink = kind >= 0.7 && kind < 0.85;
      if (kind < 0.2) {
        mkdirSync(p);
        dirs.push(p);
      } else if (kind < 0.7) {
        const size = r() < 0.3 ? 0 : Math.floor(r() ** 3 * 300_000);
        const buf = Buffer.alloc(size);
        for (let k = 0; k < size; k += 97) buf[k] = Math.floor(r() * 256);
        writeFileSync(p, buf);
        files.push(p);
      } else if (kind < 0.85) {
        symlinkSync(r() < 0.5 ? name() : '/' + name() + '/../' + name(), p);
      } else if (files.length > 0) {
        linkSync(pick(files), p);
      } else continue;
      if (r() < 0.3 && !isLink) chmodSync(p, pick([0o600, 0o640, 0o700, 0o755, 0o1777, 0o2755, 0o4711]));
      if (isRoot && r() < 0.3) lchownSync(p, Math.floor(r() * 70000), Math.floor(r() * 70000));
      if (r() < 0.5) (isLink ? lutimesSync : utimesSync)(p, 1e9 + Math.floor(r() * 1e9), 1e9 + Math.floor(r() * 1e9));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  // a sparse file with data at both ends
  const sparse = join(root, 'sparse.img');
  const fd = openSync(sparse, 'w');
  writeSync(fd, Buffer.from('start'), 0, 5, 0);
  writeSync(fd, Buffer.from('end'), 0, 3, (24 << 20) - 3);
  closeSync(fd);
  truncateSync(sparse, 24 << 20);
  for (const d of dirs) utimesSync(d, 1.2e9, 1.2e9);
}

describe('random trees round-trip through our writer and osirrox', () => {
  const tmp = tempDir('iso-prop');
  afterAll(() => tmp.cleanup());
  test.each([1, 2, 3, 42])('seed %i', async (seed) => {
    const src = join(tmp.path, `src${seed}`);
    mkdirSync(src);
    genTree(src, seed);
    const iso = join(tmp.path, `t${seed}.iso`);
    await writeIso({ dir: src }, iso, { volumeId: `SEED_${seed}`, sourceDateEpoch: seed });
    const out = join(tmp.path, `out${seed}`);
    extractIso(iso, out);
    const want = snapshot(src);
    expect(diffSnapshots(want, snapshot(out))).toEqual([]);
    // osirrox does not restore the owner of symlinks: read those from xorriso's listing
    const lsdl = run('xorriso', ['-indev', iso, '-find', '/', '-type', 'l', '-exec', 'lsdl']);
    const owners = new Map([...lsdl.matchAll(/^l\S+\s+\d+\s+(\d+)\s+(\d+)\s.*?'\/(.*)' -> '/gm)].map((m) => [m[3], `${m[1]}:${m[2]}`]));
    for (const [p, s] of want) if (s.type === 'symlink') expect(`${p} ${owners.get(p)}`).toBe(`${p} ${s.uid}:${s.gid}`);
    expect(run('isoinfo', ['-d', '-i', iso])).toContain('Rock Ridge signatures version 1 found');
  }, 60_000);
});
