// The exported cache: an OCI image manifest whose config (media type
// application/vnd.kairos-pipe.cacheconfig.v1+json) lists step records with their
// signatures, and whose layers are every blob those records name. Deterministic:
// the same records give the same manifest digest.
import { sha256, isDigest } from '../digest.js';
import type { StepRecord } from '../records.js';
import { MEDIA, type Descriptor, type ImageManifest } from '../../oci/types.js';
import { InvalidCacheError } from './errors.js';

export const CACHE_CONFIG_MEDIA = 'application/vnd.kairos-pipe.cacheconfig.v1+json';
/** Name under which dir: and oci-archive: layouts list the cache manifest. */
export const CACHE_REF_NAME = 'kairos-pipe-cache';

export interface CacheEntry {
  record: StepRecord;
  /** HMAC-SHA256 of the record (hex), present when the exporter had a key. */
  signature?: string;
}

export interface CacheConfig {
  schemaVersion: 1;
  mediaType: typeof CACHE_CONFIG_MEDIA;
  records: CacheEntry[];
}

export interface BuiltCache {
  config: Buffer;
  configDesc: Descriptor;
  manifest: Buffer;
  manifestDesc: Descriptor;
  blobs: Descriptor[];
}

/** Every blob a record names, with the size and media type the record gives it. */
export function recordDescriptors(record: StepRecord): Descriptor[] {
  const out: Descriptor[] = [];
  for (const l of record.state?.layers ?? []) out.push({ mediaType: l.mediaType, digest: l.digest, size: l.size });
  for (const d of Object.values(record.outputs ?? {})) out.push({ mediaType: d.mediaType, digest: d.digest, size: d.size });
  return out;
}

export function buildCache(entries: CacheEntry[]): BuiltCache {
  const sorted = [...entries].sort((a, b) => (a.record.key < b.record.key ? -1 : a.record.key > b.record.key ? 1 : 0));
  const config = Buffer.from(JSON.stringify({ schemaVersion: 1, mediaType: CACHE_CONFIG_MEDIA, records: sorted } satisfies CacheConfig));
  const configDesc: Descriptor = { mediaType: CACHE_CONFIG_MEDIA, digest: sha256(config), size: config.length };
  const byDigest = new Map<string, Descriptor>();
  for (const e of sorted) for (const d of recordDescriptors(e.record)) if (!byDigest.has(d.digest)) byDigest.set(d.digest, d);
  const blobs = [...byDigest.values()].sort((a, b) => (a.digest < b.digest ? -1 : 1));
  const doc: ImageManifest = { schemaVersion: 2, mediaType: MEDIA.manifest, config: configDesc, layers: blobs };
  const manifest = Buffer.from(JSON.stringify(doc));
  return { config, configDesc, manifest, manifestDesc: { mediaType: MEDIA.manifest, digest: sha256(manifest), size: manifest.length }, blobs };
}

export function parseCacheManifest(bytes: Buffer, where: string): ImageManifest {
  let doc: ImageManifest;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as ImageManifest;
  } catch {
    throw new InvalidCacheError(where, 'its manifest is not JSON');
  }
  if (doc.config?.mediaType !== CACHE_CONFIG_MEDIA) throw new InvalidCacheError(where, `its config has media type ${doc.config?.mediaType ?? 'none'}, not ${CACHE_CONFIG_MEDIA}`);
  if (!isDigest(doc.config.digest) || !Array.isArray(doc.layers) || doc.layers.some((l) => !isDigest(l.digest) || typeof l.size !== 'number')) {
    throw new InvalidCacheError(where, 'its manifest has malformed descriptors');
  }
  return doc;
}

export function parseCacheConfig(bytes: Buffer, where: string): CacheConfig {
  let doc: CacheConfig;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as CacheConfig;
  } catch {
    throw new InvalidCacheError(where, 'its cache config is not JSON');
  }
  if (doc.mediaType !== CACHE_CONFIG_MEDIA || !Array.isArray(doc.records)) throw new InvalidCacheError(where, 'its cache config has no records list');
  return doc;
}
