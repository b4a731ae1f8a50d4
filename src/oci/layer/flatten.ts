// Flattens a layer chain into one view: upper layers win, OCI whiteouts
// (`.wh.name`, `.wh..wh..opq`) hide what lies below. The result says, for each
// surviving path, which blob and offset its bytes come from.
import type { LayerEntry } from './entry.js';
import { comparePaths } from './entry.js';
import { indexTar } from './tar-index.js';

export interface FlatEntry {
  entry: LayerEntry;
  /** Host file holding the bytes (the layer blob) and where they start. */
  blob: string;
  offset: number;
}

const WH = '.wh.';
const OPAQUE = '.wh..wh..opq';

function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i === -1 ? '' : p.slice(0, i);
}

function baseOf(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Is `p` hidden by a whiteout or opaque dir recorded for upper layers? */
function hidden(p: string, deleted: Set<string>, opaque: Set<string>): boolean {
  if (deleted.has(p)) return true;
  for (let d = parentOf(p); ; d = parentOf(d)) {
    if (d !== '' && deleted.has(d)) return true;
    if (opaque.has(d)) return true;
    if (d === '') return false;
  }
}

/** Is an ancestor of `p` already a non-directory (file, symlink, ...) from an upper layer? */
function underNonDirectory(p: string, result: Map<string, FlatEntry>): boolean {
  for (let d = parentOf(p); d !== ''; d = parentOf(d)) {
    const upper = result.get(d);
    if (upper) return upper.entry.type !== 'directory';
  }
  return false;
}

/** `blobs` are the layer tar paths, bottom layer first. Returns entries sorted parents-first. */
export async function flattenLayers(blobs: string[]): Promise<FlatEntry[]> {
  const result = new Map<string, FlatEntry>();
  const deleted = new Set<string>();
  const opaque = new Set<string>();
  for (let i = blobs.length - 1; i >= 0; i--) {
    const entries = await indexTar(blobs[i]);
    const layerDeleted: string[] = [];
    const layerOpaque: string[] = [];
    for (const { entry, offset } of entries) {
      const base = baseOf(entry.path);
      if (base === OPAQUE) {
        layerOpaque.push(parentOf(entry.path));
        continue;
      }
      if (base.startsWith(WH)) {
        const dir = parentOf(entry.path);
        layerDeleted.push(dir ? `${dir}/${base.slice(WH.length)}` : base.slice(WH.length));
        continue;
      }
      // An upper file or symlink replacing a lower folder hides that folder's contents too.
      if (result.has(entry.path) || hidden(entry.path, deleted, opaque) || underNonDirectory(entry.path, result)) continue;
      result.set(entry.path, { entry, blob: blobs[i], offset });
    }
    // A layer's own whiteouts apply to the layers below it, not to itself.
    for (const d of layerDeleted) deleted.add(d);
    for (const d of layerOpaque) opaque.add(d);
  }
  // A hardlink whose target did not survive would dangle: drop it.
  for (const [p, f] of result) {
    if (f.entry.type === 'link' && f.entry.linkname && !result.has(f.entry.linkname.replace(/^\/+/, ''))) result.delete(p);
  }
  return [...result.values()].sort((a, b) => comparePaths(a.entry.path, b.entry.path));
}
