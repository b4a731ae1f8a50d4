// registry:HOST/REPO:TAG: the cache manifest pushed under a tag, its blobs in the
// repository. Export asks HEAD for every blob and uploads only what is missing;
// import reads through mirrors like any pull.
import { MEDIA } from '../../oci/types.js';
import {
  RegistryClient,
  blobExists,
  uploadBlob,
  putManifest,
  fetchManifest,
  blobChunks,
  formatReference,
  ManifestUnknownError,
  type ImageRef,
  type RegistryOptions,
} from '../../oci/registry/index.js';
import type { CacheSink, CacheSource } from './endpoint.js';

export function registrySink(ref: ImageRef, opts: RegistryOptions): CacheSink {
  const client = new RegistryClient(ref.registry, opts, true);
  return {
    where: `registry:${formatReference(ref)}`,
    hasBlob: (desc) => blobExists(client, ref.repository, desc.digest),
    putBlob: (desc, content) => uploadBlob(client, ref.repository, { digest: desc.digest, size: desc.size, open: content.open }),
    async putManifest(built) {
      await putManifest(client, ref, built.manifest, MEDIA.manifest);
    },
    async close() {},
  };
}

export function registrySource(ref: ImageRef, opts: RegistryOptions): CacheSource {
  const client = new RegistryClient(ref.registry, opts, false);
  const where = `registry:${formatReference(ref)}`;
  return {
    where,
    async manifest() {
      try {
        return (await fetchManifest(client, ref, ref.tag ?? 'latest')).bytes;
      } catch (e) {
        if (e instanceof ManifestUnknownError) return undefined;
        throw e;
      }
    },
    blob: (desc) => blobChunks(client, ref.repository, desc, `cache blob ${desc.digest} from ${where}`),
    async close() {},
  };
}
