// Writes a step's entries as a layer into the store: deterministic tar staged
// in tmp/, published by rename, described as an uncompressed layer (digest ===
// diffId). Shared by both executors so their layers are byte-identical.
import { promises as fs } from 'node:fs';
import type { CacheStore } from '../cache/store.js';
import { sha256 } from '../cache/digest.js';
import { MEDIA, type LayerDesc } from '../oci/types.js';
import { writeLayerTar, type WritableEntry } from '../oci/layer/writer.js';

/** A tar with no entries: its two zero end blocks (what writeLayerTar writes for none). */
const EMPTY_TAR = Buffer.alloc(1024);
export const EMPTY_LAYER: LayerDesc = { mediaType: MEDIA.layerTar, digest: sha256(EMPTY_TAR), size: EMPTY_TAR.length, diffId: sha256(EMPTY_TAR) };

export async function storeLayer(store: CacheStore, entries: WritableEntry[], signal?: AbortSignal): Promise<LayerDesc> {
  // A step that changed nothing (run('true'), a test, a cached download) is common:
  // its layer is a constant, stored once, without a tar stream.
  if (!entries.length) {
    await store.putBuffer(EMPTY_TAR, EMPTY_LAYER.digest);
    return { ...EMPTY_LAYER };
  }
  const tmp = store.tmpPath('layer');
  try {
    const { digest, size } = await writeLayerTar(entries, tmp, signal);
    signal?.throwIfAborted();
    await store.putFile(tmp, digest);
    return { mediaType: MEDIA.layerTar, digest, size, diffId: digest };
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}
