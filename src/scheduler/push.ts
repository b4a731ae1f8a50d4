// --push: images whose saveImage() allows it are pushed after the outputs are
// written. Only blobs the registry lacks are sent; the manifest goes byte for
// byte, so the pushed digest equals the local one.
import type { CacheStore } from '../cache/store.js';
import type { BuildSettings, PlannedOutput } from './context.js';
import type { EventSink } from './events.js';
import { pushImage } from '../oci/registry/index.js';
import type { ImageManifest, LayerDesc } from '../oci/types.js';

export async function pushImages(store: CacheStore, outputs: PlannedOutput[], settings: BuildSettings, emit: EventSink, signal: AbortSignal): Promise<void> {
  for (const o of outputs.filter((x) => x.image?.push)) {
    const img = o.image!;
    const raw = await store.readBlob(img.manifest.digest);
    if (!raw) throw new Error(`manifest ${img.manifest.digest} of ${img.name} is missing from the cache`);
    const res = await pushImage(store, { manifest: JSON.parse(raw.toString('utf8')) as ImageManifest, manifestDigest: img.manifest.digest, layers: img.layers as LayerDesc[] }, img.name, {
      mirrors: settings.registry.mirrors,
      insecure: settings.registry.insecure,
      signal,
    });
    emit({ type: 'output', target: o.target, path: `${res.ref}@${res.digest}`, bytes: 0, written: true });
  }
}
