// Every path-safety rule of layer extraction, in one place (as node-tar keeps
// them): entry names and hardlink targets must be relative and free of `..`,
// and nothing is ever written through a symlink — each parent component is
// checked with lstat inside the root. This is the class of bugs behind the
// runc and `docker cp` breakout CVEs; tests/unit/oci/layer/safe-path*.test.ts attack it.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { UnsafePathError } from './errors.js';

/**
 * Validates a tar entry name and returns it relative ('a/b/c'), or undefined
 * for the root itself ('./', '.'). Absolute names, `..` components and NUL bytes
 * are refused rather than cleaned: a layer that carries them was crafted.
 */
export function checkEntryName(raw: string): string | undefined {
  if (raw.includes('\0')) throw new UnsafePathError(raw, 'the name contains a NUL byte');
  if (raw.startsWith('/')) throw new UnsafePathError(raw, 'absolute paths are not allowed in a layer');
  const parts: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw new UnsafePathError(raw, "'..' would step outside the extraction root");
    parts.push(part);
  }
  return parts.length ? parts.join('/') : undefined;
}

/** A hardlink target follows the same rules as a name and cannot be the root. */
export function checkLinkTarget(entry: string, linkname: string): string {
  let target: string | undefined;
  try {
    target = checkEntryName(linkname);
  } catch {
    throw new UnsafePathError(entry, `hardlink target '${linkname}' points outside the extraction root`);
  }
  if (target === undefined) throw new UnsafePathError(entry, 'a hardlink cannot point at the root directory');
  return target;
}

export function parentOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i === -1 ? '' : rel.slice(0, i);
}

/**
 * A directory tree being written by one extractor. It remembers which
 * directories it has verified (or made) as real directories, so each parent
 * is lstat'ed once; callers `forget` a path they remove or replace.
 */
export class SafeRoot {
  private readonly dirs = new Set<string>(['']);

  constructor(readonly root: string) {}

  abs(rel: string): string {
    return rel === '' ? this.root : join(this.root, rel);
  }

  /**
   * Makes sure every ancestor of `rel` is a real directory inside the root —
   * creating missing ones (mode 0755, root-owned) — and returns the absolute path
   * of `rel`. A symlink or non-directory on the way is refused, never followed.
   */
  async prepare(rel: string, entryName = rel): Promise<string> {
    const parent = parentOf(rel);
    if (!this.dirs.has(parent)) {
      let cur = '';
      for (const part of parent.split('/')) {
        cur = cur ? `${cur}/${part}` : part;
        if (this.dirs.has(cur)) continue;
        const st = await fs.lstat(this.abs(cur)).catch((e: NodeJS.ErrnoException) => {
          if (e.code === 'ENOENT') return undefined;
          throw e;
        });
        if (!st) await fs.mkdir(this.abs(cur), { mode: 0o755 });
        else if (st.isSymbolicLink()) throw new UnsafePathError(entryName, `'${cur}' is a symlink; writing through it could leave the root`);
        else if (!st.isDirectory()) throw new UnsafePathError(entryName, `'${cur}' is not a directory`);
        this.dirs.add(cur);
      }
    }
    return this.abs(rel);
  }

  /** Records that `rel` is now a real directory made by the extractor. */
  markDir(rel: string): void {
    this.dirs.add(rel);
  }

  /** Forgets `rel` and everything below it (it was removed or replaced). */
  forget(rel: string): void {
    const prefix = `${rel}/`;
    for (const d of this.dirs) if (d === rel || d.startsWith(prefix)) this.dirs.delete(d);
  }
}
