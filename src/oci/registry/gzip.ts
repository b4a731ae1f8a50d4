// Deterministic gzip of a stored layer for pushing: fixed level, no name, mtime 0, so
// the same tar gives the same compressed digest with the same zlib build.
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { digestTap, type Digest } from '../../cache/digest.js';
import type { CacheStore } from '../../cache/store.js';

/** Level 6 is zlib's default; it is part of the digest, so it never changes silently. */
export const GZIP_LEVEL = 6;

export async function gzipBlobToFile(store: CacheStore, digest: Digest, signal?: AbortSignal): Promise<{ path: string; digest: Digest; size: number }> {
  const path = store.tmpPath('push-gzip');
  const tap = digestTap();
  // Node's gzip header carries mtime 0 and no file name: nothing varies between runs.
  await pipeline(store.openBlob(digest), createGzip({ level: GZIP_LEVEL, chunkSize: 1 << 18 }), tap.stream, createWriteStream(path), { signal });
  return { path, ...tap.result() };
}
