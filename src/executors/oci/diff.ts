// The oci executor's layer: the overlay upper dir, whiteouts and opaque dirs
// converted to OCI form, runtime mount stubs pruned, written deterministically.
import type { CacheStore } from '../../cache/store.js';
import type { LayerDesc } from '../../oci/types.js';
import { entriesFromDir } from '../../oci/layer/from-dir.js';
import { pruneMountStubs, type MountProbe } from '../mount-stubs.js';
import { storeLayer } from '../layer-out.js';

export async function diffUpper(store: CacheStore, upper: string, probe: MountProbe, signal?: AbortSignal): Promise<LayerDesc> {
  const entries = pruneMountStubs(await entriesFromDir(upper, { overlay: true }), probe);
  return storeLayer(store, entries, signal);
}
