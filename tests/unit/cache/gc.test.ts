import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CacheStore } from '../../../src/cache/store.js';
import { cacheUsage, pruneCache } from '../../../src/cache/gc.js';
import type { StepRecord } from '../../../src/cache/records.js';
import type { Digest } from '../../../src/cache/digest.js';
import { MEDIA } from '../../../src/oci/types.js';
import { chainIds } from '../../../src/oci/chain-id.js';
import { hexOf } from '../../../src/cache/digest.js';

let root: string;
let n = 0;
const DAY = 86_400_000;
const NOW = Date.parse('2024-06-01T00:00:00Z');

beforeAll(async () => {
  root = await fs.mkdtemp(join(tmpdir(), 'kp-gc-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** A store with records r0..r(k-1); record i uses its own blob of `sizes[i]` bytes (+ the shared ones), last used `ages[i]` days ago. */
async function setup(sizes: number[], ages: number[], shared: number[] = []): Promise<{ s: CacheStore; blobs: Digest[]; keys: string[]; sharedBlob?: Digest }> {
  const s = await CacheStore.open(join(root, `c${n++}`));
  const sharedBlob = shared.length ? (await s.putBuffer(Buffer.alloc(100, 0xee))).digest : undefined;
  const blobs: Digest[] = [];
  const keys: string[] = [];
  for (let i = 0; i < sizes.length; i++) {
    const b = await s.putBuffer(Buffer.alloc(sizes[i], i + 1));
    blobs.push(b.digest);
    const key = `${String(i).padStart(2, '0')}${'f'.repeat(62)}`;
    keys.push(key);
    const layers = [{ digest: b.digest, size: b.size }];
    if (sharedBlob && shared.includes(i)) layers.unshift({ digest: sharedBlob, size: 100 });
    const rec: StepRecord = {
      key,
      kind: i % 2 ? 'copy' : 'rootfs',
      position: `p${i}`,
      inputs: {},
      state: { layers: layers.map((l) => ({ mediaType: MEDIA.layerTar, digest: l.digest, size: l.size, diffId: l.digest })), config: { architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] } } },
      created: new Date(0).toISOString(),
    };
    await s.putRecord(rec);
    const t = new Date(NOW - ages[i] * DAY);
    await fs.utimes(s.recordPath(key), t, t);
  }
  return { s, blobs, keys, sharedBlob };
}

describe('cacheUsage', () => {
  test('counts records, blobs and bytes', async () => {
    const { s } = await setup([1000, 2000], [1, 2]);
    const u = await cacheUsage(s);
    expect(u).toMatchObject({ records: 2, blobs: 2, blobBytes: 3000, snapshotBytes: 0, totalBytes: 3000 });
    expect(u.byKind).toEqual({ rootfs: 1000, copy: 2000 });
  });
});

describe('pruneCache', () => {
  test('--keep-bytes evicts least recently used records first, then their blobs', async () => {
    // r0 is the newest, r2 the oldest.
    const { s, blobs, keys } = await setup([1000, 1000, 1000], [1, 5, 10]);
    const r = await pruneCache(s, { keepBytes: 2000, now: NOW });
    expect(r).toEqual({ recordsRemoved: 1, blobsRemoved: 1, bytesFreed: 1000 });
    expect(await s.getRecord(keys[2], { touch: false })).toBeUndefined();
    expect(await s.hasBlob(blobs[2])).toBe(false);
    expect(await s.getRecord(keys[0], { touch: false })).toBeDefined();
    expect(await s.getRecord(keys[1], { touch: false })).toBeDefined();
  });

  test('a hit makes a record recently used, so it survives', async () => {
    const { s, keys } = await setup([1000, 1000, 1000], [1, 5, 10]);
    await s.getRecord(keys[2]); // touched now: newer than NOW - 1 day
    await pruneCache(s, { keepBytes: 2000, now: NOW });
    expect(await s.getRecord(keys[2], { touch: false })).toBeDefined();
    expect(await s.getRecord(keys[1], { touch: false })).toBeUndefined();
  });

  test('--keep-bytes 0 removes everything', async () => {
    const { s } = await setup([10, 20, 30], [1, 2, 3]);
    await pruneCache(s, { keepBytes: 0, now: NOW });
    expect(await cacheUsage(s)).toMatchObject({ records: 0, blobs: 0, totalBytes: 0 });
  });

  test('everything (--all) also removes clones, cache mounts, memos and journals, and du counts them first', async () => {
    const { s } = await setup([10], [1]);
    for (const d of ['git/repos/x', 'mounts/apt', 'journal', 'tags', 'positions']) await fs.mkdir(join(s.root, d), { recursive: true });
    await fs.writeFile(join(s.root, 'git/repos/x/pack'), Buffer.alloc(500));
    await fs.writeFile(join(s.root, 'mounts/apt/deb'), Buffer.alloc(700));
    await fs.writeFile(join(s.root, 'stat-index.json'), '{}');
    expect(await cacheUsage(s)).toMatchObject({ gitBytes: 500, mountBytes: 700, totalBytes: 1210 });
    const kept = await pruneCache(s, { keepBytes: 0, now: NOW });
    expect(await fs.readdir(join(s.root, 'mounts/apt'))).toEqual(['deb']); // plain --keep-bytes 0 keeps them
    expect(kept.bytesFreed).toBe(10);
    const r = await pruneCache(s, { keepBytes: 0, everything: true, now: NOW });
    expect(r.bytesFreed).toBe(1202);
    for (const d of ['git', 'mounts', 'journal', 'tags', 'positions', 'stat-index.json']) await expect(fs.access(join(s.root, d))).rejects.toThrow();
    expect(await cacheUsage(s)).toMatchObject({ records: 0, blobs: 0, totalBytes: 0 });
  });

  test('snapshots go with the last record whose layer chain they unpack', async () => {
    const { s, keys } = await setup([10, 20], [1, 5]);
    const chainOf = async (key: string) => hexOf(chainIds((await s.getRecord(key, { touch: false }))!.state!.layers).at(-1)!);
    const [kept, dropped] = [await chainOf(keys[0]), await chainOf(keys[1])];
    for (const c of [kept, dropped, '.staging-1-abc']) {
      await fs.mkdir(join(s.root, 'snapshots', c), { recursive: true });
      await fs.writeFile(join(s.root, 'snapshots', c, 'f'), Buffer.alloc(50));
    }
    const r = await pruneCache(s, { olderThanMs: 3 * DAY, now: NOW });
    expect(r.recordsRemoved).toBe(1);
    expect((await fs.readdir(join(s.root, 'snapshots'))).sort()).toEqual(['.staging-1-abc', kept].sort());
    expect(r.bytesFreed).toBe(20 + 50);
  });

  test('--older-than removes records unused for longer', async () => {
    const { s, keys } = await setup([10, 20, 30], [1, 5, 10]);
    const r = await pruneCache(s, { olderThanMs: 3 * DAY, now: NOW });
    expect(r.recordsRemoved).toBe(2);
    expect(await s.getRecord(keys[0], { touch: false })).toBeDefined();
    expect(await s.getRecord(keys[1], { touch: false })).toBeUndefined();
  });

  test('a blob still referenced by a kept record is kept', async () => {
    const { s, sharedBlob, keys } = await setup([10, 20], [1, 10], [0, 1]);
    await pruneCache(s, { olderThanMs: 3 * DAY, now: NOW });
    expect(await s.getRecord(keys[1], { touch: false })).toBeUndefined();
    expect(await s.hasBlob(sharedBlob!)).toBe(true);
    expect(await s.getRecord(keys[0], { touch: false })).toBeDefined();
  });

  test('blobs no record names are collected once older than the grace period; nothing to do is a no-op', async () => {
    const { s } = await setup([10], [1]);
    const orphan = await s.putBuffer('orphan');
    const young = await s.putBuffer('young orphan: maybe a build in progress');
    const old = new Date(Date.now() - 2 * 3_600_000);
    await fs.utimes(s.blobPath(orphan.digest), old, old);
    expect(await pruneCache(s, {})).toEqual({ recordsRemoved: 0, blobsRemoved: 1, bytesFreed: 6 });
    expect(await s.hasBlob(orphan.digest)).toBe(false);
    expect(await s.hasBlob(young.digest)).toBe(true);
    expect(await pruneCache(s, {})).toEqual({ recordsRemoved: 0, blobsRemoved: 0, bytesFreed: 0 });
  });

  test('old staging leftovers in tmp/ are removed, recent ones kept', async () => {
    const { s } = await setup([10], [1]);
    const old = s.tmpPath('old');
    const recent = s.tmpPath('recent');
    await fs.writeFile(old, 'x');
    await fs.writeFile(recent, 'x');
    const t = new Date(Date.now() - 2 * 3_600_000);
    await fs.utimes(old, t, t);
    await pruneCache(s, {});
    await expect(fs.access(old)).rejects.toThrow();
    await expect(fs.access(recent)).resolves.toBeUndefined();
  });

  test('an unreadable record is dropped', async () => {
    const { s } = await setup([10], [1]);
    await fs.mkdir(join(s.root, 'keys', 'zz'), { recursive: true });
    await fs.writeFile(join(s.root, 'keys', 'zz', 'bad.json'), '{');
    await pruneCache(s, { now: NOW });
    await expect(fs.access(join(s.root, 'keys', 'zz', 'bad.json'))).rejects.toThrow();
  });
});
