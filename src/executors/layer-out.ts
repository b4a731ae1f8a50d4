// Writes a step's entries as a layer into the store: deterministic tar staged
// in tmp/, published by rename, described as an uncompressed layer (digest ===
// diffId). Shared by both executors so their layers are byte-identical.
import { promises as fs } from 'node:fs';
import type { CacheStore } from '../cache/store.js';
import { MEDIA, type LayerDesc } from '../oci/types.js';
import { writeLayerTar, type WritableEntry } from '../oci/layer/writer.js';

export async function storeLayer(store: CacheStore, entries: WritableEntry[], signal?: AbortSignal): Promise<LayerDesc> {
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
