import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashContextSource } from '../../../src/cache/context-hash.js';
import { StatIndex } from '../../../src/cache/stat-index.js';

let root: string;
const OLD = new Date('2020-01-01T00:00:00Z');

beforeAll(async () => {
  root = await fs.mkdtemp(join(tmpdir(), 'kp-statidx-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function setup(name: string): Promise<{ cache: string; file: string }> {
  const cache = join(root, name, 'cache');
  const ctx = join(root, name, 'ctx');
  await fs.mkdir(cache, { recursive: true });
  await fs.mkdir(ctx, { recursive: true });
  const file = join(ctx, 'f.txt');
  await fs.writeFile(file, 'aaaa');
  await fs.utimes(file, OLD, OLD);
  return { cache, file };
}

describe('StatIndex', () => {
  test('entries are saved to stat-index.json and reused on the next run without re-reading the file', async () => {
    const { cache, file } = await setup('reuse');
    const first = await StatIndex.open(cache);
    const [a] = await hashContextSource(file, first);
    await first.save();
    const saved = JSON.parse(await fs.readFile(join(cache, 'stat-index.json'), 'utf8')) as Record<string, { d: string; s: number }>;
    expect(saved[file]).toMatchObject({ d: a.digest, s: 4 });

    // Same size, same inode, same mtime, different bytes: only a run that trusts the index
    // reports the old digest, which proves the file was not read again.
    await fs.writeFile(file, 'bbbb');
    await fs.utimes(file, OLD, OLD);
    const [b] = await hashContextSource(file, await StatIndex.open(cache));
    expect(b.digest).toBe(a.digest);

    const fresh = join(root, 'reuse', 'other-cache');
    await fs.mkdir(fresh);
    const [c] = await hashContextSource(file, await StatIndex.open(fresh));
    expect(c.digest).not.toBe(a.digest);
  });

  test('a size or mtime change is a miss', async () => {
    const { cache, file } = await setup('miss');
    const idx = await StatIndex.open(cache);
    const [a] = await hashContextSource(file, idx);
    await fs.writeFile(file, 'bbbbb');
    await fs.utimes(file, OLD, OLD);
    const [b] = await hashContextSource(file, idx);
    expect(b.digest).not.toBe(a.digest);
    await fs.writeFile(file, 'ccccc');
    await fs.utimes(file, new Date('2021-01-01'), new Date('2021-01-01'));
    const [c] = await hashContextSource(file, idx);
    expect(c.digest).not.toBe(b.digest);
  });

  test('a file modified in the last 2 s is not trusted', async () => {
    const { cache, file } = await setup('recent');
    await fs.utimes(file, new Date(), new Date());
    const idx = await StatIndex.open(cache);
    const [a] = await hashContextSource(file, idx);
    await fs.writeFile(file, 'zzzz');
    const st = await fs.stat(file);
    await fs.utimes(file, st.atime, new Date(Date.now() - 500));
    // Whatever the mtime granularity, the recent entry is re-read.
    const [b] = await hashContextSource(file, idx);
    expect(b.digest).not.toBe(a.digest);
  });

  test('an unreadable index file is ignored, not an error', async () => {
    const { cache, file } = await setup('garbage');
    await fs.writeFile(join(cache, 'stat-index.json'), '{not json');
    const [a] = await hashContextSource(file, await StatIndex.open(cache));
    expect(a.digest).toMatch(/^sha256:/);
  });

  test('save() without changes does not write', async () => {
    const { cache } = await setup('clean');
    await (await StatIndex.open(cache)).save();
    await expect(fs.access(join(cache, 'stat-index.json'))).rejects.toThrow();
  });
});
