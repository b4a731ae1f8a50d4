// Cache size accounting and garbage collection: records are evicted least
// recently used first (a hit touches its record), then every blob no remaining
// record needs is deleted. Snapshots are disposable and go with their records.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { CacheStore } from './store.js';
import { recordBlobs, type StepRecord } from './records.js';
import { hexOf } from './digest.js';
import { chainIds } from '../oci/chain-id.js';

export interface CacheUsage {
  records: number;
  blobs: number;
  blobBytes: number;
  snapshotBytes: number;
  /** Remote target clones and checkouts (git/) and cacheMount() folders (mounts/). */
  gitBytes: number;
  mountBytes: number;
  totalBytes: number;
  byKind: Record<string, number>;
}

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  const items = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const d of items) {
    const p = join(dir, d.name);
    if (d.isDirectory()) total += await dirSize(p);
    else total += (await fs.lstat(p).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

interface RecordFile {
  path: string;
  mtimeMs: number;
  record: StepRecord;
}

async function allRecords(store: CacheStore): Promise<RecordFile[]> {
  const out: RecordFile[] = [];
  const keysDir = join(store.root, 'keys');
  for (const shard of await fs.readdir(keysDir).catch(() => [] as string[])) {
    for (const f of await fs.readdir(join(keysDir, shard)).catch(() => [] as string[])) {
      const path = join(keysDir, shard, f);
      try {
        const [st, raw] = await Promise.all([fs.stat(path), fs.readFile(path, 'utf8')]);
        out.push({ path, mtimeMs: st.mtimeMs, record: JSON.parse(raw) as StepRecord });
      } catch {
        await fs.rm(path, { force: true }); // unreadable record: worthless, drop it
      }
    }
  }
  return out;
}

async function blobSizes(store: CacheStore): Promise<Map<string, number>> {
  const dir = join(store.root, 'blobs', 'sha256');
  const out = new Map<string, number>();
  for (const hex of await fs.readdir(dir).catch(() => [] as string[])) {
    out.set(`sha256:${hex}`, (await fs.stat(join(dir, hex)).catch(() => ({ size: 0 }))).size);
  }
  return out;
}

export async function cacheUsage(store: CacheStore): Promise<CacheUsage> {
  const [records, blobs, snapshotBytes, gitBytes, mountBytes] = await Promise.all([
    allRecords(store),
    blobSizes(store),
    dirSize(join(store.root, 'snapshots')),
    dirSize(join(store.root, 'git')),
    dirSize(join(store.root, 'mounts')),
  ]);
  const byKind: Record<string, number> = {};
  const counted = new Set<string>();
  for (const r of records) {
    for (const d of recordBlobs(r.record)) {
      if (counted.has(d)) continue;
      counted.add(d);
      byKind[r.record.kind] = (byKind[r.record.kind] ?? 0) + (blobs.get(d) ?? 0);
    }
  }
  const blobBytes = [...blobs.values()].reduce((a, b) => a + b, 0);
  return { records: records.length, blobs: blobs.size, blobBytes, snapshotBytes, gitBytes, mountBytes, totalBytes: blobBytes + snapshotBytes + gitBytes + mountBytes, byKind };
}

/** Unreferenced blobs younger than this are left alone (see pruneCache). */
export const ORPHAN_GRACE_MS = 3_600_000;

export interface PruneOptions {
  keepBytes?: number;
  olderThanMs?: number;
  /** Also everything that is not a record or blob: clones, cache mounts, tag memos, journals, the stat index. */
  everything?: boolean;
  now?: number;
}

/** What `everything` removes besides records, blobs and snapshots. */
const REBUILDABLE = ['git', 'mounts', 'debug', 'journal', 'positions', 'tags', 'stat-index.json'];

export interface PruneResult {
  recordsRemoved: number;
  blobsRemoved: number;
  bytesFreed: number;
}

export async function pruneCache(store: CacheStore, opts: PruneOptions): Promise<PruneResult> {
  const now = opts.now ?? Date.now();
  const records = (await allRecords(store)).sort((a, b) => a.mtimeMs - b.mtimeMs);
  const blobs = await blobSizes(store);
  const keep = new Set(records);
  if (opts.olderThanMs !== undefined) for (const r of records) if (now - r.mtimeMs > opts.olderThanMs) keep.delete(r);
  const needed = () => {
    const s = new Set<string>();
    for (const r of keep) for (const d of recordBlobs(r.record)) s.add(d);
    // image configs/manifests are stored under outputs; keep them with their records
    return s;
  };
  if (opts.keepBytes !== undefined) {
    const sizeOf = (set: Set<string>) => [...set].reduce((a, d) => a + (blobs.get(d) ?? 0), 0);
    for (const r of records) {
      if (!keep.has(r)) continue;
      if (sizeOf(needed()) <= opts.keepBytes) break;
      keep.delete(r);
    }
  }
  let recordsRemoved = 0;
  for (const r of records) {
    if (keep.has(r)) continue;
    await fs.rm(r.path, { force: true });
    recordsRemoved++;
  }
  const live = needed();
  let blobsRemoved = 0;
  let bytesFreed = 0;
  // A blob no record names yet may belong to a build running now in another process
  // (layers are stored before their record): collect such orphans only once old.
  const named = new Set<string>();
  for (const r of records) for (const d of recordBlobs(r.record)) named.add(d);
  for (const [d, size] of blobs) {
    if (live.has(d)) continue;
    if (!named.has(d)) {
      const st = await fs.stat(store.blobPath(d)).catch(() => undefined);
      if (!st || now - st.mtimeMs < ORPHAN_GRACE_MS) continue;
    }
    await fs.rm(store.blobPath(d), { force: true });
    blobsRemoved++;
    bytesFreed += size;
  }
  if (recordsRemoved > 0) {
    // No-op journals name records; they are only accelerators, so drop them all rather than sort out which still hold.
    await fs.rm(join(store.root, 'journal'), { recursive: true, force: true });
    // Snapshots (snapshots/<chain id hex>) are unpacked layer chains: rebuildable, so keep
    // only those of chains a remaining record still has. Dot-names are extractions in flight.
    const chains = new Set<string>();
    for (const r of keep) for (const c of chainIds(r.record.state?.layers ?? [])) chains.add(hexOf(c));
    for (const s of await fs.readdir(join(store.root, 'snapshots')).catch(() => [] as string[])) {
      if (s.startsWith('.') || s === 'empty' || chains.has(s)) continue;
      bytesFreed += await dirSize(join(store.root, 'snapshots', s));
      await fs.rm(join(store.root, 'snapshots', s), { recursive: true, force: true });
    }
  }
  // Staging leftovers of crashed builds; recent ones may belong to a build running now.
  for (const t of await fs.readdir(join(store.root, 'tmp')).catch(() => [] as string[])) {
    const p = join(store.root, 'tmp', t);
    const st = await fs.lstat(p).catch(() => undefined);
    if (st && now - st.mtimeMs > 3_600_000) await fs.rm(p, { recursive: true, force: true });
  }
  if (opts.everything) {
    for (const name of REBUILDABLE) {
      const p = join(store.root, name);
      const st = await fs.lstat(p).catch(() => undefined);
      if (!st) continue;
      bytesFreed += st.isDirectory() ? await dirSize(p) : st.size;
      await fs.rm(p, { recursive: true, force: true });
    }
  }
  return { recordsRemoved, blobsRemoved, bytesFreed };
}
