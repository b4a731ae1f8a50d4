// Turns a filesystem state into OCI config + manifest blobs in the store.
// Deterministic: `created` comes from SOURCE_DATE_EPOCH (or 0), so the same
// layers and config always give the same image digest.
import type { CacheStore } from '../../cache/store.js';
import { MEDIA, type Descriptor, type FsState, type ImageConfig, type ImageManifest } from '../types.js';
import { fixedMtime } from '../layer/entry.js';

export interface StoredImage {
  manifest: Descriptor;
  config: Descriptor;
  layers: Descriptor[];
}

export function imageConfigOf(state: FsState): ImageConfig {
  const created = new Date(fixedMtime() * 1000).toISOString();
  return {
    ...state.config,
    created,
    rootfs: { type: 'layers', diff_ids: state.layers.map((l) => l.diffId) },
    history: state.layers.map(() => ({ created, created_by: 'kairos-pipe' })),
  };
}

export async function storeImage(store: CacheStore, state: FsState): Promise<StoredImage> {
  const configJson = JSON.stringify(imageConfigOf(state));
  const cfg = await store.putBuffer(configJson);
  const config: Descriptor = { mediaType: MEDIA.config, digest: cfg.digest, size: cfg.size };
  const layers: Descriptor[] = state.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size }));
  const manifestObj: ImageManifest = { schemaVersion: 2, mediaType: MEDIA.manifest, config, layers };
  const m = await store.putBuffer(JSON.stringify(manifestObj));
  return { manifest: { mediaType: MEDIA.manifest, digest: m.digest, size: m.size }, config, layers };
}

/** `hello` → docker.io/library/hello:latest-style full name and tag, for archive annotations. */
export function splitImageName(name: string): { repo: string; tag: string } {
  const at = name.indexOf('@');
  const base = at === -1 ? name : name.slice(0, at);
  const colon = base.lastIndexOf(':');
  if (colon > base.lastIndexOf('/')) return { repo: base.slice(0, colon), tag: base.slice(colon + 1) };
  return { repo: base, tag: 'latest' };
}
