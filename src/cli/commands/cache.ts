// `kairos-pipe cache du|prune`.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CacheStore } from '../../cache/store.js';
import { cacheUsage, pruneCache, type CacheUsage } from '../../cache/gc.js';
import type { CliIO } from '../io.js';
import { bytes } from '../../ui/format.js';
import { cacheDir, type GlobalOpts } from './common.js';
import { parseBytes, parseDuration } from '../parse.js';
import { sweepKilledBuilds } from '../../executors/oci/killed-builds.js';
import { OciExecutor } from '../../executors/oci/executor.js';

export async function cacheDuCommand(o: GlobalOpts & { json?: boolean }, io: CliIO): Promise<number> {
  const dir = cacheDir(o, process.env);
  // looking must not create a cache where there is none (a mistyped --cache-dir)
  if (!existsSync(join(dir, 'oci-layout'))) {
    const none: CacheUsage = { records: 0, blobs: 0, blobBytes: 0, snapshotBytes: 0, gitBytes: 0, mountBytes: 0, totalBytes: 0, byKind: {} };
    if (o.json) io.out(`${JSON.stringify({ cacheDir: dir, exists: false, ...none })}\n`);
    else io.out(`no cache at ${dir} (nothing has been built with it yet)\n`);
    return 0;
  }
  const store = await CacheStore.open(dir);
  const u = await cacheUsage(store);
  if (o.json) {
    io.out(`${JSON.stringify({ cacheDir: store.root, exists: true, ...u })}\n`);
    return 0;
  }
  io.out(`cache ${store.root}\n`);
  io.out(`  ${u.records} step records, ${u.blobs} blobs, ${bytes(u.blobBytes)}\n`);
  io.out(`  snapshots (unpacked layers): ${bytes(u.snapshotBytes)}\n`);
  io.out(`  remote target clones (git/): ${bytes(u.gitBytes)}\n`);
  io.out(`  cacheMount() folders (mounts/): ${bytes(u.mountBytes)}\n`);
  for (const [k, v] of Object.entries(u.byKind).sort((a, b) => b[1] - a[1])) io.out(`  ${k.padEnd(14)} ${bytes(v)}\n`);
  io.out(`  total ${bytes(u.totalBytes)}\n`);
  return 0;
}

export async function cachePruneCommand(o: GlobalOpts & { keepBytes?: string; olderThan?: string; all?: boolean; json?: boolean }, io: CliIO): Promise<number> {
  const store = await CacheStore.open(cacheDir(o, process.env));
  const keepBytes = o.all ? 0 : o.keepBytes !== undefined ? parseBytes(o.keepBytes) : undefined;
  const olderThanMs = o.olderThan !== undefined ? parseDuration(o.olderThan) : undefined;
  // A killed build's overlay would keep its snapshots (and tmp/ folder) from being removed.
  await sweepKilledBuilds(store.root, new OciExecutor().runc);
  const r = await pruneCache(store, { keepBytes, olderThanMs, everything: o.all });
  if (o.json) io.out(`${JSON.stringify(r)}\n`);
  else io.out(`removed ${r.recordsRemoved} step records and ${r.blobsRemoved} blobs, freed ${bytes(r.bytesFreed)}\n`);
  return 0;
}
