// pullImage: a registry image into the local store, layers stored uncompressed
// (digest === diffId) next to the original manifest and config blobs. Blobs already
// in the store are not fetched; every byte that is fetched is verified twice
// (compressed digest from the manifest, uncompressed digest from the config).
import PQueue from 'p-queue';
import type { Digest } from '../../cache/digest.js';
import type { CacheStore } from '../../cache/store.js';
import { MEDIA, type Descriptor, type ImageConfig, type LayerDesc } from '../types.js';
import { BlobMap } from './blob-map.js';
import { fetchBlob } from './blob-download.js';
import { RegistryClient } from './client.js';
import { compressionOf } from './decompress.js';
import { fetchLayerToStore } from './layer-fetch.js';
import { InvalidImageError, RegistryDigestMismatchError, UnsupportedMediaTypeError } from './errors.js';
import type { RegistryProgress } from './options.js';
import { formatReference, parseReference, withDigest, type ImageRef } from './reference.js';
import { resolveImage, type ResolveOptions } from './resolve.js';

export interface PulledImage {
  /** The reference pinned to what it resolved to (`...:tag@sha256:<index or manifest>`). */
  ref: ImageRef;
  /** Digest the reference points to (index for multi-platform images). */
  digest: Digest;
  /** The single-platform manifest, stored in the store as pulled. */
  manifestDigest: Digest;
  config: ImageConfig;
  configDigest: Digest;
  /** Layers as stored locally: uncompressed tar, digest === diffId. */
  layers: LayerDesc[];
}

export type PullOptions = Omit<ResolveOptions, 'store'>;

export async function pullImage(reference: string | ImageRef, store: CacheStore, opts: PullOptions = {}): Promise<PulledImage> {
  const ref = typeof reference === 'string' ? parseReference(reference) : reference;
  const session = opts.client ?? new RegistryClient(ref.registry, opts);
  const resolved = await resolveImage(ref, { ...opts, store, client: session });
  const name = formatReference(ref);
  const emit = (e: Omit<RegistryProgress, 'ref'>) => opts.onProgress?.({ ref: name, ...e });

  const configDesc = resolved.manifest.config;
  const config = await fetchConfig(session, ref, configDesc, store, name);
  const map = new BlobMap(store);
  const source = `${ref.registry}/${ref.repository}`;
  // Sources let a later push mount the config instead of uploading it.
  await map.record({ digest: configDesc.digest, mediaType: configDesc.mediaType, size: configDesc.size, diffId: configDesc.digest }, source);
  const diffIds = config.rootfs?.diff_ids ?? [];
  const layerDescs = resolved.manifest.layers;
  if (diffIds.length !== layerDescs.length) {
    throw new InvalidImageError(name, `the manifest has ${layerDescs.length} layers but the config lists ${diffIds.length} diff_ids`);
  }

  const queue = new PQueue({ concurrency: opts.concurrency ?? 3 });
  const layers = await Promise.all(
    layerDescs.map((desc, i) =>
      queue.add(async (): Promise<LayerDesc> => {
        const where = `layer ${i + 1}/${layerDescs.length} (${desc.digest}) of ${name}`;
        const compression = compressionOf(desc.mediaType, where);
        const diffId = diffIds[i];
        if (compression === 'none' && desc.digest !== diffId) throw new RegistryDigestMismatchError(diffId, desc.digest, `uncompressed ${where} (manifest vs config rootfs.diff_ids)`);
        const known = await map.byCompressed(desc.digest);
        const size = await store.blobSize(diffId);
        if (size !== undefined && (compression === 'none' || known?.diffId === diffId)) {
          emit({ digest: desc.digest, phase: 'cached', bytesDone: desc.size, bytesTotal: desc.size });
          if (!known?.sources.includes(source)) await map.record({ digest: desc.digest, mediaType: desc.mediaType, size: desc.size, diffId }, source);
          return { mediaType: MEDIA.layerTar, digest: diffId, size, diffId };
        }
        const stored = await fetchLayerToStore(session, ref.repository, desc, compression, diffId, store, where, (done, phase, attempt) =>
          emit({ digest: desc.digest, phase, bytesDone: done, bytesTotal: desc.size, ...(attempt ? { attempt } : {}) }),
        );
        await map.record({ digest: desc.digest, mediaType: desc.mediaType, size: desc.size, diffId }, source);
        emit({ digest: desc.digest, phase: 'done', bytesDone: desc.size, bytesTotal: desc.size });
        return { mediaType: MEDIA.layerTar, digest: diffId, size: stored.size, diffId };
      }),
    ),
  );
  return { ref: withDigest(ref, resolved.digest), digest: resolved.digest, manifestDigest: resolved.manifestDigest, config, configDigest: configDesc.digest, layers };
}

async function fetchConfig(client: RegistryClient, ref: ImageRef, desc: Descriptor, store: CacheStore, name: string): Promise<ImageConfig> {
  const where = `config ${desc.digest} of ${name}`;
  if (desc.mediaType !== MEDIA.config && desc.mediaType !== MEDIA.dockerConfig) throw new UnsupportedMediaTypeError(desc.mediaType, where);
  let bytes = await store.readBlob(desc.digest);
  if (!bytes) {
    bytes = await fetchBlob(client, ref.repository, desc, where);
    await store.putBuffer(bytes, desc.digest);
  }
  try {
    return JSON.parse(bytes.toString('utf8')) as ImageConfig;
  } catch {
    throw new InvalidImageError(name, `config ${desc.digest} is not JSON`);
  }
}
