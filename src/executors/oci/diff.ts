// The oci executor's layer: the overlay upper dir, whiteouts and opaque dirs
// converted to OCI form, runtime mount stubs pruned, written deterministically.
import { existsSync, readdirSync } from 'node:fs';
import type { CacheStore } from '../../cache/store.js';
import type { LayerDesc } from '../../oci/types.js';
import { entriesFromDir } from '../../oci/layer/from-dir.js';
import { pruneMountStubs, type MountProbe } from '../mount-stubs.js';
import { EMPTY_LAYER, storeLayer } from '../layer-out.js';

/** Whether the upper dir is empty: the step changed nothing (run('true'), a test). */
function upperIsEmpty(upper: string): boolean {
  return readdirSync(upper).length === 0;
}

export async function diffUpper(store: CacheStore, upper: string, probe: MountProbe, signal?: AbortSignal): Promise<LayerDesc> {
  // Nothing changed: the constant empty layer, already in the store after the first such step.
  if (upperIsEmpty(upper)) return existsSync(store.blobPath(EMPTY_LAYER.digest)) ? { ...EMPTY_LAYER } : storeLayer(store, [], signal);
  const entries = pruneMountStubs(await entriesFromDir(upper, { overlay: true }), probe);
  return storeLayer(store, entries, signal);
}
