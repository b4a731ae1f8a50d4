// A parsed cache location → the sink export writes to or the source import reads from.
import type { CacheStore } from '../store.js';
import type { RegistryOptions } from '../../oci/registry/index.js';
import type { CacheLocation } from './ref.js';
import type { CacheSink, CacheSource } from './endpoint.js';
import { dirSink, dirSource } from './dir.js';
import { archiveSink, archiveSource } from './archive.js';
import { registrySink, registrySource } from './registry.js';

export function openSink(loc: CacheLocation, registry: RegistryOptions = {}): Promise<CacheSink> | CacheSink {
  if (loc.kind === 'dir') return dirSink(loc.path);
  if (loc.kind === 'oci-archive') return archiveSink(loc.file);
  return registrySink(loc.ref, registry);
}

/** undefined when there is nothing at the location (no folder, no file). */
export async function openSource(loc: CacheLocation, store: CacheStore, registry: RegistryOptions = {}): Promise<CacheSource | undefined> {
  if (loc.kind === 'dir') return dirSource(loc.path);
  if (loc.kind === 'oci-archive') return archiveSource(loc.file, store.tmpPath('cache-import'));
  return registrySource(loc.ref, registry);
}
