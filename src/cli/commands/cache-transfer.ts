// `kairos-pipe cache export|import <location>` and the --cache-to / --cache-from
// halves of `run`: moving step records and their blobs between runners.
import { CacheStore } from '../../cache/store.js';
import {
  parseCacheLocation,
  exportCache,
  importCache,
  loadRecords,
  allRecordKeys,
  openSink,
  openSource,
  selectRecords,
  loadCacheKey,
  type BuiltStep,
  type ExportStats,
  type ImportStats,
} from '../../cache/transfer/index.js';
import { parseMirrorFlags, type RegistryOptions } from '../../oci/registry/index.js';
import type { StepRecord } from '../../cache/records.js';
import type { CliIO } from '../io.js';
import { bytes } from '../../ui/format.js';
import { cacheDir, type GlobalOpts } from './common.js';

export interface TransferOpts extends GlobalOpts {
  cacheKeyFile?: string;
  registryMirror?: string[];
  insecureRegistry?: string[];
  json?: boolean;
}

function registryOpts(o: TransferOpts, signal?: AbortSignal): RegistryOptions {
  return { mirrors: parseMirrorFlags(o.registryMirror ?? []), insecure: o.insecureRegistry ?? [], signal };
}

export function describeImport(s: ImportStats): string {
  if (!s.found) return `cache: nothing exported at ${s.where} yet\n`;
  const extra = [s.untrusted ? `${s.untrusted} unsigned or wrongly signed ignored` : '', s.dropped ? `${s.dropped} dropped` : '', s.refusedBlobs.length ? `${s.refusedBlobs.length} corrupt blobs refused` : '']
    .filter(Boolean)
    .join(', ');
  return `cache: imported ${s.imported} of ${s.records} records from ${s.where} (${s.present} already here; ${s.blobsFetched} blobs, ${bytes(s.bytesFetched)} fetched${extra ? `; ${extra}` : ''})\n`;
}

export function describeExport(s: ExportStats): string {
  return `cache: exported ${s.records} records to ${s.where} (${s.blobs} blobs, ${s.uploaded} sent, ${bytes(s.bytesUploaded)})${s.skipped ? `; ${s.skipped} records left out, their blobs are gone` : ''}\n`;
}

/** Imports each location in turn; a failing one is reported and skipped (the cache never fails a build). */
export async function importForRun(locations: string[], o: TransferOpts, io: CliIO, signal: AbortSignal): Promise<void> {
  if (!locations.length) return;
  const key = loadCacheKey(o.cacheKeyFile, process.env);
  const store = await CacheStore.open(cacheDir(o, process.env));
  for (const spec of locations) {
    const loc = parseCacheLocation(spec);
    try {
      const source = await openSource(loc, store, registryOpts(o, signal));
      if (!source) {
        io.err(`cache: nothing exported at ${loc.text} yet\n`);
        continue;
      }
      io.err(describeImport(await importCache(store, source, { key, signal })));
    } catch (e) {
      if (signal.aborted) throw e;
      const k = e as { code?: string; message?: string; hint?: string };
      io.err(`cache: warning: --cache-from ${spec} skipped: [${k.code ?? 'ERROR'}] ${k.message ?? String(e)}${k.hint ? `\n  hint: ${k.hint}` : ''}\n`);
    }
  }
}

/** Exports the build's records to each location; returns false when one failed. */
export async function exportForRun(locations: string[], steps: BuiltStep[], o: TransferOpts, io: CliIO, signal: AbortSignal): Promise<boolean> {
  if (!locations.length) return true;
  const key = loadCacheKey(o.cacheKeyFile, process.env);
  const store = await CacheStore.open(cacheDir(o, process.env));
  const { records, skipped } = await loadRecords(store, steps.map((s) => s.key));
  const byKey = new Map<string, StepRecord>(records.map((r) => [r.key, r]));
  let ok = true;
  for (const spec of locations) {
    const loc = parseCacheLocation(spec);
    try {
      const chosen = selectRecords(steps, byKey, loc.mode);
      io.err(describeExport(await exportCache(store, chosen, await openSink(loc, registryOpts(o, signal)), { key, signal, skipped })));
    } catch (e) {
      if (signal.aborted) throw e;
      ok = false;
      const k = e as { code?: string; message?: string; hint?: string };
      io.err(`cache: error: --cache-to ${spec} failed: [${k.code ?? 'ERROR'}] ${k.message ?? String(e)}${k.hint ? `\n  hint: ${k.hint}` : ''}\n`);
    }
  }
  return ok;
}

export async function cacheExportCommand(dest: string, o: TransferOpts, io: CliIO, signal: AbortSignal): Promise<number> {
  const loc = parseCacheLocation(dest);
  const key = loadCacheKey(o.cacheKeyFile, process.env);
  const store = await CacheStore.open(cacheDir(o, process.env));
  const { records, skipped } = await loadRecords(store, await allRecordKeys(store));
  const stats = await exportCache(store, records, await openSink(loc, registryOpts(o, signal)), { key, signal, skipped });
  io.out(o.json ? `${JSON.stringify(stats)}\n` : describeExport(stats));
  return 0;
}

export async function cacheImportCommand(src: string, o: TransferOpts, io: CliIO, signal: AbortSignal): Promise<number> {
  const loc = parseCacheLocation(src);
  const key = loadCacheKey(o.cacheKeyFile, process.env);
  const store = await CacheStore.open(cacheDir(o, process.env));
  const source = await openSource(loc, store, registryOpts(o, signal));
  const stats: ImportStats = source
    ? await importCache(store, source, { key, signal })
    : { where: loc.text, found: false, records: 0, imported: 0, present: 0, untrusted: 0, dropped: 0, blobsFetched: 0, bytesFetched: 0, refusedBlobs: [] };
  io.out(o.json ? `${JSON.stringify(stats)}\n` : describeImport(stats));
  return 0;
}
