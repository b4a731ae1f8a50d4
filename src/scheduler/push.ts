// --push: images whose saveImage() asked for it are pushed after the outputs
// are written, through the registry client.
import type { CacheStore } from '../cache/store.js';
import type { BuildSettings, PlannedOutput } from './context.js';
import type { EventSink } from './events.js';

type PushFn = (store: CacheStore, image: { manifest: unknown; config: unknown; layers: unknown[] }, ref: string, opts: Record<string, unknown>) => Promise<{ digest: string }>;

export async function pushImages(store: CacheStore, outputs: PlannedOutput[], settings: BuildSettings, emit: EventSink): Promise<void> {
  const images = outputs.filter((o) => o.image?.push);
  if (!images.length) return;
  const reg = (await import('../oci/registry/index.js')) as unknown as { pushImage: PushFn };
  for (const o of images) {
    const img = o.image!;
    const res = await reg.pushImage(store, { manifest: img.manifest, config: img.config, layers: img.layers }, img.name, {
      mirrors: settings.registry.mirrors,
      insecure: settings.registry.insecure,
    });
    emit({ type: 'output', target: o.target, path: `${img.name}@${res.digest}`, bytes: 0, written: true });
  }
}
