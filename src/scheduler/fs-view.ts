// The flattened view of a filesystem state, computed once per layer chain and
// shared by every step of the build that reads files (artifacts, copy, rootfs).
import type { CacheStore } from '../cache/store.js';
import type { FsState } from '../oci/types.js';
import { flattenLayers, type FlatEntry } from '../oci/layer/flatten.js';

const memo = new Map<string, Promise<FlatView>>();

export interface FlatView {
  entries: FlatEntry[];
  byPath: Map<string, FlatEntry>;
}

export function flatView(store: CacheStore, state: FsState): Promise<FlatView> {
  const id = state.layers.map((l) => l.digest).join(',');
  let v = memo.get(id);
  if (!v) {
    v = flattenLayers(state.layers.map((l) => store.blobPath(l.digest))).then((entries) => ({ entries, byPath: new Map(entries.map((e) => [e.entry.path, e])) }));
    memo.set(id, v);
    v.catch(() => memo.delete(id));
  }
  return v;
}

/** `/a/b/` → `a/b`; '' for the root. */
export function relPath(p: string): string {
  return p.replace(/^\/+|\/+$/g, '').replace(/\/+/g, '/');
}
