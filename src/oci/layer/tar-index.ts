// Random-access index of an uncompressed tar: each entry, normalized to our
// LayerEntry form, with the byte offset of its data. Flattening and artifact
// extraction use it to read any file of any layer without re-streaming the
// chain. Parsing itself is scanTar's (one parser, windowed reads).
import type { LayerEntry } from './entry.js';
import { normalizeEntryPath } from './entry.js';
import { scanTar } from './tar-scan.js';

export interface IndexedEntry {
  entry: LayerEntry;
  /** Byte offset of the entry's data in the tar. */
  offset: number;
}

export async function indexTar(path: string): Promise<IndexedEntry[]> {
  const out: IndexedEntry[] = [];
  for (const raw of await scanTar(path)) {
    const name = normalizeEntryPath(raw.name);
    if (name === undefined) continue;
    const xattrs: Record<string, string> = {};
    for (const [k, v] of raw.xattrs) xattrs[k] = v.toString('latin1');
    out.push({
      offset: raw.offset,
      entry: {
        path: name,
        type: raw.type,
        mode: raw.mode,
        uid: raw.uid,
        gid: raw.gid,
        size: raw.size,
        mtime: raw.mtime,
        linkname: raw.type === 'link' && raw.linkname !== undefined ? (normalizeEntryPath(raw.linkname) ?? raw.linkname) : raw.linkname,
        devmajor: raw.devmajor,
        devminor: raw.devminor,
        xattrs: raw.xattrs.size ? xattrs : undefined,
      },
    });
  }
  return out;
}
