// One filesystem entry of a layer, independent of where its bytes live.
export type EntryType = 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';

export interface LayerEntry {
  /** Relative path inside the root, no leading '/' or './', '/'-separated. */
  path: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch; layers we write use a fixed value. */
  mtime: number;
  /** Symlink target, or the path a hardlink points at. */
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** Extended attributes (e.g. security.capability), values base64-free raw strings in latin1. */
  xattrs?: Record<string, string>;
}

/** Sort key that puts a directory before its children and siblings in byte order. */
export function comparePaths(a: string, b: string): number {
  const pa = a.split('/');
  const pb = b.split('/');
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    if (pa[i] !== pb[i]) return Buffer.compare(Buffer.from(pa[i]), Buffer.from(pb[i]));
  }
  return pa.length - pb.length;
}

/** Normalizes a tar entry name to our relative form; returns undefined for the root itself. */
export function normalizeEntryPath(name: string): string | undefined {
  let p = name.replace(/\\/g, '/');
  while (p.startsWith('./')) p = p.slice(2);
  p = p.replace(/^\/+/, '').replace(/\/+$/, '');
  if (p === '' || p === '.') return undefined;
  return p;
}

/** The fixed mtime of every entry we write: SOURCE_DATE_EPOCH or 0, for reproducible layers. */
export function fixedMtime(): number {
  const v = Number(process.env.SOURCE_DATE_EPOCH);
  return Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0;
}
