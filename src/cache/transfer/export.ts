// Export: step records (signed when a key is given) and every blob they name go to a
// sink as one OCI manifest. Only blobs the destination lacks are sent, so exporting
// after a one-step change costs about that step's layer. The manifest goes last.
import { Readable } from 'node:stream';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import PQueue from 'p-queue';
import type { CacheStore } from '../store.js';
import type { StepRecord } from '../records.js';
import type { Descriptor } from '../../oci/types.js';
import { buildCache, type CacheEntry } from './format.js';
import { signRecord } from './sign.js';
import type { CacheSink } from './endpoint.js';

export interface ExportOptions {
  /** HMAC key: records are signed with it. */
  key?: Buffer;
  /** Blobs checked/sent at once (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  /** Records the caller left out (blobs missing locally), reported in the stats. */
  skipped?: number;
}

export interface ExportStats {
  where: string;
  records: number;
  blobs: number;
  /** Blobs (config included) the destination did not have and were sent. */
  uploaded: number;
  bytesUploaded: number;
  /** Records left out because a blob of theirs is missing from the local store. */
  skipped: number;
  manifest: string;
}

/** The records among `keys` (every record when 'all') whose blobs are all in the store. */
export async function loadRecords(store: CacheStore, keys: Iterable<string>): Promise<{ records: StepRecord[]; skipped: number }> {
  const records: StepRecord[] = [];
  let skipped = 0;
  for (const key of new Set(keys)) {
    const r = await store.getRecord(key, { touch: false });
    if (r) records.push(r);
    else skipped++;
  }
  return { records, skipped };
}

export async function exportCache(store: CacheStore, records: StepRecord[], sink: CacheSink, opts: ExportOptions = {}): Promise<ExportStats> {
  const entries: CacheEntry[] = records.map((record) => (opts.key ? { record, signature: signRecord(record, opts.key) } : { record }));
  const built = buildCache(entries);
  let uploaded = 0;
  let bytesUploaded = 0;
  const queue = new PQueue({ concurrency: opts.concurrency ?? 4 });
  const send = async (desc: Descriptor, content: Parameters<CacheSink['putBlob']>[1]) => {
    opts.signal?.throwIfAborted();
    if (await sink.hasBlob(desc)) return;
    await sink.putBlob(desc, content);
    uploaded++;
    bytesUploaded += desc.size;
  };
  let ok = false;
  try {
    const jobs = built.blobs.map((d) => queue.add(() => send(d, { open: () => store.openBlob(d.digest), path: store.blobPath(d.digest) })));
    jobs.push(queue.add(() => send(built.configDesc, { open: () => bufferStream(built.config) })));
    await Promise.all(jobs);
    await sink.putManifest(built);
    ok = true;
  } finally {
    await sink.close(ok);
  }
  return { where: sink.where, records: records.length, blobs: built.blobs.length, uploaded, bytesUploaded, skipped: opts.skipped ?? 0, manifest: built.manifestDesc.digest };
}

function bufferStream(buf: Buffer) {
  return Readable.from([buf]);
}

/** Every record key in the store (for `kairos-pipe cache export`, which follows no build). */
export async function allRecordKeys(store: CacheStore): Promise<string[]> {
  const dir = join(store.root, 'keys');
  const out: string[] = [];
  for (const shard of await fs.readdir(dir).catch(() => [] as string[])) {
    for (const f of await fs.readdir(join(dir, shard)).catch(() => [] as string[])) if (/^[0-9a-f]{64}\.json$/.test(f)) out.push(f.slice(0, -5));
  }
  return out.sort();
}
