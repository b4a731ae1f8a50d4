// resolveImage: reference → digest and single-platform manifest. This is what `from()`
// keys on: a tag is resolved once per build to a digest that never changes meaning.
import type { Digest } from '../../cache/digest.js';
import type { CacheStore } from '../../cache/store.js';
import type { ImageManifest } from '../types.js';
import { RegistryClient } from './client.js';
import { NoMatchingPlatformError } from './errors.js';
import { fetchManifest, isIndex, parseImageManifest, parseIndex, type ImageIndex } from './manifest.js';
import type { RegistryOptions } from './options.js';
import { availablePlatforms, DEFAULT_PLATFORM, formatPlatform, parsePlatform, selectPlatform, type Platform } from './platform.js';
import { formatReference, manifestReference, parseReference, type ImageRef } from './reference.js';

export interface ResolveOptions extends RegistryOptions {
  /** `linux/amd64` (default) or a Platform. */
  platform?: string | Platform;
  /** When given, manifests are read from and written to this store (fewer requests). */
  store?: CacheStore;
  /** Reuse an existing session (auth tokens) instead of opening one. */
  client?: RegistryClient;
}

export interface ResolvedImage {
  ref: ImageRef;
  /** What the reference points to: the index digest for multi-platform images. Pin this in lock files. */
  digest: Digest;
  mediaType: string;
  index?: ImageIndex;
  /** The single-platform manifest chosen; key cache entries on this one. */
  manifestDigest: Digest;
  manifest: ImageManifest;
  platform: Platform;
}

export async function resolveImage(reference: string | ImageRef, opts: ResolveOptions = {}): Promise<ResolvedImage> {
  const ref = typeof reference === 'string' ? parseReference(reference) : reference;
  const client = opts.client ?? new RegistryClient(ref.registry, opts);
  const want = typeof opts.platform === 'string' ? parsePlatform(opts.platform) : (opts.platform ?? DEFAULT_PLATFORM);
  const name = formatReference(ref);
  const top = await fetchManifest(client, ref, manifestReference(ref), opts.store);
  if (!isIndex(top)) {
    const manifest = parseImageManifest(top, `manifest of ${name}`);
    return { ref, digest: top.digest, mediaType: top.mediaType, manifestDigest: top.digest, manifest, platform: want };
  }
  const index = parseIndex(top, `index of ${name}`);
  const chosen = selectPlatform(index.manifests, want);
  if (!chosen) throw new NoMatchingPlatformError(name, formatPlatform(want), availablePlatforms(index.manifests));
  const inner = await fetchManifest(client, ref, chosen.digest, opts.store);
  if (isIndex(inner)) throw new NoMatchingPlatformError(name, formatPlatform(want), ['(nested index)']);
  const manifest = parseImageManifest(inner, `manifest of ${name} for ${formatPlatform(want)}`);
  return {
    ref,
    digest: top.digest,
    mediaType: top.mediaType,
    index,
    manifestDigest: inner.digest,
    manifest,
    platform: { os: chosen.platform!.os, architecture: chosen.platform!.architecture, ...(chosen.platform!.variant ? { variant: chosen.platform!.variant } : {}) },
  };
}
