// Unpacked layers for overlayfs: each layer once, into
// `<store.root>/snapshots/<chainid hex>/`, reused by every later step and build.
// A snapshot is extracted into a staging dir and published by rename, so a
// crash or a concurrent extractor never leaves a half snapshot in place.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { CacheStore } from '../../cache/store.js';
import { hexOf } from '../../cache/digest.js';
import { MEDIA, type LayerDesc } from '../../oci/types.js';
import { extractLayer } from '../../oci/layer/extract.js';
import { ExecutorError } from '../errors.js';

export { chainIds } from '../../oci/chain-id.js';
import { chainIds } from '../../oci/chain-id.js';

export function snapshotsRoot(store: CacheStore): string {
  return join(store.root, 'snapshots');
}

const inflight = new Map<string, Promise<string>>();


/** Local store layers are uncompressed; gzip is accepted for blobs that arrived compressed. */
async function layerTarPath(store: CacheStore, layer: LayerDesc, staging: string): Promise<string> {
  if (layer.mediaType === MEDIA.layerGzip || layer.mediaType === MEDIA.dockerLayerGzip) {
    const out = `${staging}.tar`;
    await pipeline(createReadStream(store.blobPath(layer.digest)), createGunzip(), createWriteStream(out));
    return out;
  }
  if (layer.mediaType === MEDIA.layerZstd) throw new ExecutorError('snapshot', `layer ${layer.digest} is zstd-compressed; the local store keeps layers uncompressed`);
  return store.blobPath(layer.digest);
}

async function extractSnapshot(store: CacheStore, layer: LayerDesc, dir: string): Promise<string> {
  const staging = join(snapshotsRoot(store), `.staging-${process.pid}-${randomBytes(6).toString('hex')}`);
  await fs.mkdir(staging, { mode: 0o755 });
  try {
    const tar = await layerTarPath(store, layer, staging);
    await extractLayer(tar, staging, { whiteouts: 'overlay' });
    if (tar !== store.blobPath(layer.digest)) await fs.rm(tar, { force: true });
    try {
      await fs.rename(staging, dir);
    } catch (e) {
      // Someone else published the same snapshot first: theirs is as good as ours.
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
      await fs.rm(staging, { recursive: true, force: true });
    }
    return dir;
  } catch (e) {
    await fs.rm(staging, { recursive: true, force: true });
    await fs.rm(`${staging}.tar`, { force: true });
    throw e;
  }
}

/**
 * Makes sure every layer of the chain has a snapshot; returns their directories,
 * bottom layer first.
 */
export async function ensureSnapshots(store: CacheStore, layers: LayerDesc[]): Promise<string[]> {
  const ids = chainIds(layers);
  const dirs: string[] = [];
  for (let i = 0; i < layers.length; i++) {
    const dir = join(snapshotsRoot(store), hexOf(ids[i]));
    // A sync check: every step asks for every layer of its chain, and a trip through
    // libuv's thread pool costs 0.3–1 ms on a busy machine.
    if (!existsSync(dir)) {
      let p = inflight.get(dir);
      if (!p) {
        p = extractSnapshot(store, layers[i], dir).finally(() => inflight.delete(dir));
        inflight.set(dir, p);
      }
      await p;
    }
    dirs.push(dir);
  }
  return dirs;
}

/** An always-empty lower dir, for chains with no layers (overlayfs needs one). */
export async function emptySnapshot(store: CacheStore): Promise<string> {
  const dir = join(snapshotsRoot(store), 'empty');
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  return dir;
}
