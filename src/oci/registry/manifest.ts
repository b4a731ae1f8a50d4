// Fetching, verifying and parsing manifests and indexes (OCI and Docker v2). A manifest
// already in the local store is read from there: by digest with no request at all, by tag
// after one HEAD (which Docker Hub does not count against pull limits).
import { sha256, isDigest, type Digest } from '../../cache/digest.js';
import type { CacheStore } from '../../cache/store.js';
import { MEDIA, type Descriptor, type ImageManifest } from '../types.js';
import type { RegistryClient } from './client.js';
import { registryErrorCode } from './client.js';
import { InvalidImageError, ManifestUnknownError, RegistryDigestMismatchError, UnsupportedMediaTypeError } from './errors.js';
import { formatReference, type ImageRef } from './reference.js';

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface FetchedManifest {
  digest: Digest;
  mediaType: string;
  bytes: Buffer;
}

export const INDEX_TYPES: readonly string[] = [MEDIA.index, MEDIA.dockerManifestList];
export const MANIFEST_TYPES: readonly string[] = [MEDIA.manifest, MEDIA.dockerManifest];
export const MANIFEST_ACCEPT = [...INDEX_TYPES, ...MANIFEST_TYPES].join(', ');

export async function fetchManifest(client: RegistryClient, ref: ImageRef, reference: string, store?: CacheStore): Promise<FetchedManifest> {
  const where = `manifest of ${formatReference(ref)}`;
  if (store && isDigest(reference)) {
    const local = await readLocal(store, reference, where);
    if (local) return local;
  }
  const path = `/v2/${ref.repository}/manifests/${reference}`;
  const headers = { accept: MANIFEST_ACCEPT };
  if (store && !isDigest(reference)) {
    const head = await client.request({ method: 'HEAD', url: path, repository: ref.repository, actions: 'pull', headers });
    if (head.status === 404) throw new ManifestUnknownError(formatReference(ref));
    const d = head.headers.get('docker-content-digest');
    if (head.ok && d && isDigest(d)) {
      const local = await readLocal(store, d, where);
      if (local) return local;
    }
  }
  const res = await client.request({ method: 'GET', url: path, repository: ref.repository, actions: 'pull', headers });
  if (res.status === 404) throw new ManifestUnknownError(formatReference(ref), await registryErrorCode(res));
  if (!res.ok) throw await client.httpError(res, { method: 'GET', url: path });
  const bytes = Buffer.from(await res.arrayBuffer());
  const digest = sha256(bytes);
  const expected = isDigest(reference) ? reference : res.headers.get('docker-content-digest');
  // A sha512 header cannot be checked with our sha256; the body's own digest still identifies it.
  if (expected && isDigest(expected) && expected !== digest) throw new RegistryDigestMismatchError(expected, digest, where);
  const mediaType = detectMediaType(bytes, res.headers.get('content-type'), where);
  if (store) await store.putBuffer(bytes, digest);
  return { digest, mediaType, bytes };
}

async function readLocal(store: CacheStore, digest: string, where: string): Promise<FetchedManifest | undefined> {
  const bytes = await store.readBlob(digest);
  if (!bytes) return undefined;
  return { digest: digest as Digest, mediaType: detectMediaType(bytes, null, where), bytes };
}

/** The media type from the JSON itself, else Content-Type, else the shape (old OCI manifests omit it). */
export function detectMediaType(bytes: Buffer, contentType: string | null, where: string): string {
  let doc: { mediaType?: string; schemaVersion?: number; manifests?: unknown; layers?: unknown; config?: unknown };
  try {
    doc = JSON.parse(bytes.toString('utf8')) as typeof doc;
  } catch {
    throw new InvalidImageError(where, 'it is not JSON');
  }
  const header = contentType?.split(';')[0].trim();
  if (doc.schemaVersion === 1) throw new UnsupportedMediaTypeError(header || 'application/vnd.docker.distribution.manifest.v1+json', where);
  const mt = doc.mediaType ?? (header && header !== 'application/json' ? header : undefined) ?? (doc.manifests ? MEDIA.index : doc.layers && doc.config ? MEDIA.manifest : undefined);
  if (!mt || (!INDEX_TYPES.includes(mt) && !MANIFEST_TYPES.includes(mt))) throw new UnsupportedMediaTypeError(mt ?? 'unknown', where);
  return mt;
}

export function isIndex(m: FetchedManifest): boolean {
  return INDEX_TYPES.includes(m.mediaType);
}

export function parseIndex(m: FetchedManifest, where: string): ImageIndex {
  const doc = JSON.parse(m.bytes.toString('utf8')) as ImageIndex;
  if (!Array.isArray(doc.manifests)) throw new InvalidImageError(where, 'the index has no manifests list');
  return doc;
}

export function parseImageManifest(m: FetchedManifest, where: string): ImageManifest {
  const doc = JSON.parse(m.bytes.toString('utf8')) as ImageManifest;
  if (!doc.config?.digest || !Array.isArray(doc.layers)) throw new InvalidImageError(where, 'the manifest lacks config or layers');
  for (const d of [doc.config, ...doc.layers]) {
    if (!isDigest(d.digest)) throw new UnsupportedMediaTypeError(`digest ${String(d.digest).split(':')[0]}`, where);
  }
  return { ...doc, mediaType: doc.mediaType ?? m.mediaType };
}
