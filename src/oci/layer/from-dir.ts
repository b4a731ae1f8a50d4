// Turns a directory into layer entries: lstat walk, sorted with comparePaths,
// mtimes fixed, owners/modes/devices kept, hardlinks (same inode) as 'link'
// entries, security.capability kept. With `overlay`, the directory is an overlayfs
// upper dir and its whiteouts (char 0/0) and opaque dirs become OCI `.wh.` entries.
import { promises as fs, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { comparePaths, fixedMtime, type EntryType, type LayerEntry } from './entry.js';
import type { WritableEntry } from './writer.js';
import { majorOf, minorOf, runNative } from './native-fs.js';

export interface FromDirOptions {
  /** Treat `dir` as an overlayfs upper dir: convert whiteouts and opaque dirs. */
  overlay?: boolean;
  /** Paths (relative, '/'-separated) to leave out, with everything below them. */
  exclude?: (path: string) => boolean;
}

interface Found {
  path: string;
  st: BigIntStats;
  linkname?: string;
}

const OPAQUE_XATTR = 'trusted.overlay.opaque';
const KEPT_XATTRS = ['security.capability'];

/** lstat (and readlink) of a folder's entries side by side, subfolders likewise: the thread pool stays busy. */
async function walk(dir: string, rel: string, out: Found[], exclude?: (p: string) => boolean): Promise<void> {
  const paths = (await fs.readdir(join(dir, rel))).map((name) => (rel ? `${rel}/${name}` : name)).filter((p) => !exclude?.(p));
  const found = await Promise.all(
    paths.map(async (path): Promise<Found> => {
      const st = await fs.lstat(join(dir, path), { bigint: true });
      return { path, st, linkname: st.isSymbolicLink() ? await fs.readlink(join(dir, path)) : undefined };
    }),
  );
  out.push(...found);
  await Promise.all(found.filter((f) => f.st.isDirectory()).map((f) => walk(dir, f.path, out, exclude)));
}

function typeOf(st: BigIntStats): EntryType | undefined {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'character-device';
  if (st.isBlockDevice()) return 'block-device';
  if (st.isFIFO()) return 'fifo';
  return undefined; // sockets cannot be stored in a tar; Docker drops them too
}

function isWhiteout(st: BigIntStats): boolean {
  return st.isCharacterDevice() && st.rdev === 0n;
}

function marker(path: string, name: string): LayerEntry {
  const slash = path.lastIndexOf('/');
  const dir = slash === -1 ? '' : path.slice(0, slash + 1);
  return { path: `${dir}${name}`, type: 'file', mode: 0, uid: 0, gid: 0, size: 0, mtime: fixedMtime() };
}

/**
 * Entries of `dir` (not including `dir` itself), sorted, ready for writeLayerTar.
 * File contents are read from the directory when the tar is written.
 */
export async function entriesFromDir(dir: string, opts: FromDirOptions = {}): Promise<WritableEntry[]> {
  const found: Found[] = [];
  await walk(dir, '', found, opts.exclude);
  found.sort((a, b) => comparePaths(a.path, b.path));

  // One perl process reads the xattrs of every directory and regular file.
  const probe = found.filter((f) => f.st.isFile() || (opts.overlay && f.st.isDirectory()));
  const xattrs = new Map<string, Map<string, Buffer>>();
  const res = await runNative(probe.map((f) => ({ op: 'list' as const, path: join(dir, f.path) })));
  res.forEach((r, i) => {
    if (r.ok && r.xattrs?.size) xattrs.set(probe[i].path, r.xattrs);
  });

  const mtime = fixedMtime();
  const inodes = new Map<string, string>();
  const out: WritableEntry[] = [];
  for (const { path, st, linkname } of found) {
    if (opts.overlay && isWhiteout(st)) {
      out.push({ entry: marker(path, `.wh.${path.slice(path.lastIndexOf('/') + 1)}`) });
      continue;
    }
    const type = typeOf(st);
    if (!type) continue;
    const entry: LayerEntry = { path, type, mode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid), size: 0, mtime };
    const xa = xattrs.get(path);
    const kept = KEPT_XATTRS.filter((k) => xa?.has(k));
    if (kept.length) entry.xattrs = Object.fromEntries(kept.map((k) => [k, xa!.get(k)!.toString('latin1')]));
    if (type === 'symlink') entry.linkname = linkname;
    if (type === 'character-device' || type === 'block-device') {
      entry.devmajor = majorOf(Number(st.rdev));
      entry.devminor = minorOf(Number(st.rdev));
    }
    if (type === 'file') {
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1n ? inodes.get(key) : undefined;
      if (first !== undefined) {
        out.push({ entry: { ...entry, type: 'link', linkname: first, xattrs: undefined } });
        continue;
      }
      if (st.nlink > 1n) inodes.set(key, path);
      entry.size = Number(st.size);
      out.push({ entry, content: { file: join(dir, path) } });
      continue;
    }
    out.push({ entry });
    if (type === 'directory' && opts.overlay && xa?.get(OPAQUE_XATTR)?.toString() === 'y') {
      out.push({ entry: marker(`${path}/x`, '.wh..wh..opq') });
    }
  }
  // Markers were appended next to their parents; restore the global order.
  return out.sort((a, b) => comparePaths(a.entry.path, b.entry.path));
}
