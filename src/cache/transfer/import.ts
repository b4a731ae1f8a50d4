// Import: read the cache manifest and config, keep the records that are well formed
// (and correctly signed, when a key is given), fetch every blob they need that the
// store lacks, digest-checked on the way in, and only then write the records.
// A record with a refused or missing blob is dropped; a local record is never replaced.
import PQueue from 'p-queue';
import type { CacheStore } from '../store.js';
import { sha256 } from '../digest.js';
import { recordBlobs, type StepRecord } from '../records.js';
import type { Descriptor } from '../../oci/types.js';
import { parseCacheConfig, parseCacheManifest, recordDescriptors } from './format.js';
import { verifyRecord } from './sign.js';
import type { CacheSource } from './endpoint.js';
import { InvalidCacheError } from './errors.js';

export interface ImportOptions {
  /** When set, only records signed with this key are imported. */
  key?: Buffer;
  concurrency?: number;
  signal?: AbortSignal;
}

export interface ImportStats {
  where: string;
  /** False when nothing has been exported to the location yet. */
  found: boolean;
  /** Records listed by the cache. */
  records: number;
  imported: number;
  /** Already in the local store. */
  present: number;
  /** Unsigned or with a wrong signature while a key was set. */
  untrusted: number;
  /** Malformed, or needing a blob that was missing or failed its digest check. */
  dropped: number;
  blobsFetched: number;
  bytesFetched: number;
  /** Digests whose bytes did not match (refused, never stored). */
  refusedBlobs: string[];
}

const KEY = /^[0-9a-f]{64}$/;

function wellFormed(r: StepRecord | undefined): r is StepRecord {
  if (!r || typeof r !== 'object' || typeof r.key !== 'string' || !KEY.test(r.key)) return false;
  try {
    return recordDescriptors(r).every((d) => typeof d.digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(d.digest) && Number.isInteger(d.size) && d.size >= 0);
  } catch {
    return false;
  }
}

export async function importCache(store: CacheStore, source: CacheSource, opts: ImportOptions = {}): Promise<ImportStats> {
  const stats: ImportStats = { where: source.where, found: false, records: 0, imported: 0, present: 0, untrusted: 0, dropped: 0, blobsFetched: 0, bytesFetched: 0, refusedBlobs: [] };
  try {
    const manifestBytes = await source.manifest();
    if (!manifestBytes) return stats;
    stats.found = true;
    const manifest = parseCacheManifest(manifestBytes, source.where);
    const config = parseCacheConfig(await fetchVerified(source, manifest.config), source.where);
    const listed = new Map<string, Descriptor>(manifest.layers.map((d) => [d.digest, d]));
    stats.records = config.records.length;

    const accepted: StepRecord[] = [];
    for (const entry of config.records) {
      const record = entry?.record;
      if (!wellFormed(record)) {
        stats.dropped++;
        continue;
      }
      if (opts.key && !verifyRecord(record, entry.signature, opts.key)) {
        stats.untrusted++;
        continue;
      }
      if (await store.getRecord(record.key, { touch: false })) {
        stats.present++;
        continue;
      }
      accepted.push(record);
    }

    // Every blob the accepted records need, fetched once each.
    const needed = new Map<string, Descriptor>();
    for (const r of accepted) for (const d of recordDescriptors(r)) needed.set(d.digest, listed.get(d.digest) ?? d);
    const good = new Set<string>();
    const queue = new PQueue({ concurrency: opts.concurrency ?? 4 });
    await Promise.all(
      [...needed.values()].map((d) =>
        queue.add(async () => {
          opts.signal?.throwIfAborted();
          if ((await store.blobSize(d.digest)) === d.size) return void good.add(d.digest);
          if (!listed.has(d.digest)) return; // the cache does not carry it: the record cannot be trusted
          if (await fetchBlob(store, source, d, stats)) good.add(d.digest);
        }),
      ),
    );
    for (const r of accepted) {
      if (!recordBlobs(r).every((d) => good.has(d))) {
        stats.dropped++;
        continue;
      }
      await store.putRecord(r);
      // Where the record sits in its target, unless this cache knows a later one: a
      // build looks ahead to a deeper state only where a position says there was one.
      if (r.position && !(await store.lastAtPosition(r.position))) await store.setPosition(r.position, r.key);
      stats.imported++;
    }
    return stats;
  } finally {
    await source.close();
  }
}

/** Streams one blob into the store; false (nothing stored) when its bytes or size are wrong. */
async function fetchBlob(store: CacheStore, source: CacheSource, d: Descriptor, stats: ImportStats): Promise<boolean> {
  try {
    const put = await store.putStream(source.blob(d), d.digest);
    if (put.size !== d.size) {
      stats.refusedBlobs.push(d.digest);
      return false;
    }
    stats.blobsFetched++;
    stats.bytesFetched += put.size;
    return true;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'DIGEST_MISMATCH' || code === 'REGISTRY_DIGEST_MISMATCH') {
      stats.refusedBlobs.push(d.digest);
      return false;
    }
    if (code === 'BLOB_UNKNOWN' || code === 'ENOENT') return false;
    throw e;
  }
}

async function fetchVerified(source: CacheSource, d: Descriptor): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const c of source.blob(d)) {
      size += c.length;
      if (size > d.size) break;
      parts.push(Buffer.from(c));
    }
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') throw new InvalidCacheError(source.where, `its config blob ${d.digest} is missing`);
    throw e;
  }
  const buf = Buffer.concat(parts);
  if (buf.length !== d.size || sha256(buf) !== d.digest) throw new InvalidCacheError(source.where, `its config blob does not match ${d.digest}`);
  return buf;
}
