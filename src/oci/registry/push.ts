// pushImage: an image from the local store to a registry. Only missing blobs are sent
// (HEAD first, then cross-repository mount, then upload); the manifest goes last.
// Default compression 'none' sends layers as stored, so the remote manifest digest is
// the local one on every machine; 'gzip' rewrites layers to gzip (reusing compressed
// forms the store already knows, e.g. from a pull) and so gets a new manifest digest.
import { createReadStream, promises as fs } from 'node:fs';
import PQueue from 'p-queue';
import { sha256, type Digest } from '../../cache/digest.js';
import type { CacheStore } from '../../cache/store.js';
import { MEDIA, type Descriptor, type ImageConfig, type ImageManifest, type LayerDesc } from '../types.js';
import { BlobMap, type CompressedForm } from './blob-map.js';
import { blobExists, mountBlob, pushBlob, type PushBlobResult } from './blob-upload.js';
import { RegistryClient } from './client.js';
import { InvalidImageError, RegistryDigestMismatchError } from './errors.js';
import { gzipBlobToFile } from './gzip.js';
import type { RegistryOptions, RegistryProgress } from './options.js';
import { formatReference, manifestReference, parseReference, type ImageRef } from './reference.js';

export interface PushImageInput {
  manifest: ImageManifest;
  /** When the manifest blob is in the store, its exact bytes are sent (remote digest = local digest). */
  manifestDigest?: Digest;
  /** Used only when the config blob is missing from the store. */
  config?: ImageConfig;
  /** The stored layers (uncompressed, with diff ids), in manifest order. */
  layers: LayerDesc[];
}

export interface PushOptions extends RegistryOptions {
  /** 'none' (default): layers as stored. 'gzip': deterministic gzip, or a known compressed form. */
  compression?: 'none' | 'gzip';
  /** Repositories on the target registry that may already hold these blobs (cross-repository mount). */
  mountFrom?: string[];
  client?: RegistryClient;
}

export interface PushedImage {
  ref: ImageRef;
  digest: Digest;
  /** The manifest as pushed (differs from the input with compression 'gzip'). */
  manifest: ImageManifest;
  /** What happened to each blob: exists, mounted, uploaded. */
  blobs: Record<string, PushBlobResult>;
}

export async function pushImage(store: CacheStore, image: PushImageInput, reference: string | ImageRef, opts: PushOptions = {}): Promise<PushedImage> {
  const ref = typeof reference === 'string' ? parseReference(reference) : reference;
  const client = opts.client ?? new RegistryClient(ref.registry, opts, true);
  const name = formatReference(ref);
  const repo = ref.repository;
  const map = new BlobMap(store);
  const self = `${ref.registry}/${repo}`;
  const blobs: Record<string, PushBlobResult> = {};
  const emit = (e: Omit<RegistryProgress, 'ref'>) => opts.onProgress?.({ ref: name, ...e });
  if (image.manifest.layers.length !== image.layers.length) throw new InvalidImageError(name, `the manifest has ${image.manifest.layers.length} layers but ${image.layers.length} were given`);

  const mountFrom = async (digest: string): Promise<string[]> => {
    const known = (await map.byCompressed(digest))?.sources ?? [];
    const same = known.filter((s) => s.startsWith(`${ref.registry}/`)).map((s) => s.slice(ref.registry.length + 1));
    return [...new Set([...(opts.mountFrom ?? []), ...same])].filter((r) => r !== repo);
  };
  const sendStored = async (desc: Descriptor): Promise<void> => {
    const size = await store.blobSize(desc.digest);
    if (size === undefined) throw new InvalidImageError(name, `blob ${desc.digest} is not in the local store`);
    const result = await pushBlob(client, repo, { digest: desc.digest, size, open: () => store.openBlob(desc.digest) }, {
      mountFrom: await mountFrom(desc.digest),
      onBytes: (done, phase, attempt) => emit({ digest: desc.digest, phase, bytesDone: done, bytesTotal: size, ...(attempt ? { attempt } : {}) }),
    });
    blobs[desc.digest] = result;
    emit({ digest: desc.digest, phase: result === 'uploaded' ? 'done' : result, bytesDone: size, bytesTotal: size });
    // Remember where the blob now lives, so a push to a sibling repository can mount it.
    await map.record({ digest: desc.digest, mediaType: desc.mediaType, size, diffId: diffIdOf(desc.digest) }, self);
  };
  const diffIdOf = (digest: Digest): Digest => image.layers.find((l) => l.digest === digest)?.diffId ?? digest;

  const queue = new PQueue({ concurrency: opts.concurrency ?? 3 });
  const gzip = opts.compression === 'gzip';
  const pushedLayers = await Promise.all(
    image.manifest.layers.map((desc, i) =>
      queue.add(async (): Promise<Descriptor> => {
        const layer = image.layers[i];
        if (desc.digest !== layer.digest) throw new InvalidImageError(name, `manifest layer ${i + 1} is ${desc.digest} but the given layer is ${layer.digest}`);
        if (gzip && desc.mediaType === MEDIA.layerTar) return pushCompressed(layer);
        await sendStored(desc);
        return desc;
      }),
    ),
  );

  async function pushCompressed(layer: LayerDesc): Promise<Descriptor> {
    for (const form of await map.byDiffId(layer.diffId)) {
      if (form.digest === layer.diffId) continue;
      const ok = await reuse(form);
      if (ok) return ok;
    }
    const gz = await gzipBlobToFile(store, layer.digest, opts.signal);
    try {
      const form = { digest: gz.digest, mediaType: MEDIA.layerGzip, size: gz.size, diffId: layer.diffId };
      const result = await pushBlob(client, repo, { digest: gz.digest, size: gz.size, open: () => createReadStream(gz.path, { highWaterMark: 1 << 20 }) }, {
        onBytes: (done, phase, attempt) => emit({ digest: gz.digest, phase, bytesDone: done, bytesTotal: gz.size, ...(attempt ? { attempt } : {}) }),
      });
      blobs[gz.digest] = result;
      emit({ digest: gz.digest, phase: result === 'uploaded' ? 'done' : result, bytesDone: gz.size, bytesTotal: gz.size });
      await map.record(form, self);
      return { mediaType: form.mediaType, digest: form.digest, size: form.size };
    } finally {
      await fs.rm(gz.path, { force: true });
    }
  }

  /** A compressed form already in the target repository, or mountable from a sibling. */
  async function reuse(form: CompressedForm): Promise<Descriptor | undefined> {
    const mediaType = form.mediaType === MEDIA.dockerLayerGzip ? MEDIA.layerGzip : form.mediaType;
    const desc = { mediaType, digest: form.digest, size: form.size };
    if (await blobExists(client, repo, form.digest)) {
      blobs[form.digest] = 'exists';
      emit({ digest: form.digest, phase: 'exists', bytesDone: form.size, bytesTotal: form.size });
      return desc;
    }
    for (const from of await mountFrom(form.digest)) {
      const m = await mountBlob(client, repo, form.digest, from);
      if (m === true) {
        blobs[form.digest] = 'mounted';
        emit({ digest: form.digest, phase: 'mounted', bytesDone: form.size, bytesTotal: form.size });
        await map.record(form, self);
        return desc;
      }
      // A declined mount opened an upload session; we have no bytes for it, so drop it.
      await client.request({ method: 'DELETE', url: m, repository: repo, actions: 'pull,push' }).then((r) => r.body?.cancel()).catch(() => undefined);
      break;
    }
    return undefined;
  }

  const configDesc = image.manifest.config;
  if (!(await store.hasBlob(configDesc.digest))) {
    if (!image.config) throw new InvalidImageError(name, `config ${configDesc.digest} is not in the local store`);
    await store.putBuffer(JSON.stringify(image.config), configDesc.digest);
  }
  await queue.add(() => sendStored(configDesc));

  const rewritten = pushedLayers.some((d, i) => d.digest !== image.manifest.layers[i].digest);
  let bytes: Buffer;
  let manifest: ImageManifest;
  if (rewritten) {
    manifest = { ...image.manifest, mediaType: MEDIA.manifest, layers: pushedLayers };
    bytes = Buffer.from(JSON.stringify(manifest));
  } else {
    manifest = image.manifest;
    bytes = (image.manifestDigest && (await store.readBlob(image.manifestDigest))) || Buffer.from(JSON.stringify(manifest));
  }
  const digest = await putManifest(client, ref, bytes, manifest.mediaType);
  if (rewritten) await store.putBuffer(bytes, digest);
  return { ref: { ...ref, digest }, digest, manifest, blobs };
}

/** PUTs manifest bytes under the reference's tag (or digest); returns their digest, checked against the registry's. */
export async function putManifest(client: RegistryClient, ref: ImageRef, bytes: Buffer, mediaType: string): Promise<Digest> {
  const digest = sha256(bytes);
  const url = `/v2/${ref.repository}/manifests/${ref.tag ?? manifestReference(ref)}`;
  const res = await client.request({ method: 'PUT', url, repository: ref.repository, actions: 'pull,push', headers: { 'content-type': mediaType }, body: bytes, idempotent: true });
  if (res.status !== 201 && res.status !== 200) throw await client.httpError(res, { method: 'PUT', url });
  await res.body?.cancel();
  const remote = res.headers.get('docker-content-digest');
  if (remote && remote.startsWith('sha256:') && remote !== digest) throw new RegistryDigestMismatchError(digest, remote, `manifest pushed to ${formatReference(ref)}`);
  return digest;
}
