// A directory tree as sorted layer entries (lstat only, never follows links).
// Kept here until src/oci/layer/from-dir.ts exists; then this can delegate to it.
import { promises as fs, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { comparePaths, fixedMtime, type EntryType, type LayerEntry } from '../../oci/layer/entry.js';
import type { WritableEntry } from '../../oci/layer/writer.js';

function typeOf(st: BigIntStats): EntryType | undefined {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'character-device';
  if (st.isBlockDevice()) return 'block-device';
  if (st.isFIFO()) return 'fifo';
  return undefined; // sockets have no place in a layer
}

// Linux's dev_t encoding (glibc's gnu_dev_major/minor).
function major(rdev: bigint): number {
  return Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
}
function minor(rdev: bigint): number {
  return Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
}

/**
 * Entries for everything under `root` (not root itself), sorted with comparePaths,
 * mtimes fixed; the second and later paths of a hardlinked inode become 'link'
 * entries pointing at the first in sorted order, so the result does not depend
 * on readdir order.
 */
export async function walkDir(root: string, signal?: AbortSignal): Promise<WritableEntry[]> {
  const found: Array<{ rel: string; abs: string; st: BigIntStats; type: EntryType }> = [];
  const queue: string[] = [''];
  while (queue.length) {
    signal?.throwIfAborted();
    const relDir = queue.pop() as string;
    const names = await fs.readdir(join(root, relDir));
    for (const name of names) {
      const rel = relDir ? `${relDir}/${name}` : name;
      const abs = join(root, rel);
      const st = await fs.lstat(abs, { bigint: true });
      const type = typeOf(st);
      if (!type) continue;
      found.push({ rel, abs, st, type });
      if (type === 'directory') queue.push(rel);
    }
  }
  found.sort((a, b) => comparePaths(a.rel, b.rel));

  const mtime = fixedMtime();
  const firstPathOfInode = new Map<string, string>();
  const out: WritableEntry[] = [];
  for (const f of found) {
    const base = { path: f.rel, mode: Number(f.st.mode & 0o7777n), uid: Number(f.st.uid), gid: Number(f.st.gid), mtime };
    let entry: LayerEntry;
    if (f.type === 'file' && f.st.nlink > 1n) {
      const inode = `${f.st.dev}:${f.st.ino}`;
      const first = firstPathOfInode.get(inode);
      if (first !== undefined) {
        out.push({ entry: { ...base, type: 'link', size: 0, linkname: first } });
        continue;
      }
      firstPathOfInode.set(inode, f.rel);
    }
    if (f.type === 'file') {
      entry = { ...base, type: 'file', size: Number(f.st.size) };
      out.push({ entry, content: { file: f.abs } });
      continue;
    }
    entry = { ...base, type: f.type, size: 0 };
    if (f.type === 'symlink') entry.linkname = await fs.readlink(f.abs);
    if (f.type === 'character-device' || f.type === 'block-device') {
      entry.devmajor = major(f.st.rdev);
      entry.devminor = minor(f.st.rdev);
    }
    out.push({ entry });
  }
  return out;
}
