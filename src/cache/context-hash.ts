// Hashes copy() sources from a build context: every file by content, mode and
// path relative to the context (never mtime or absolute path). Paths that leave
// the context, directly or through a symlink, are refused.
import { promises as fs, type Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { sha256File } from './digest.js';
import type { StatIndex } from './stat-index.js';
import { ContextPathError } from '../errors/index.js';
import { noteInput } from './journal/input-log.js';

export interface ContextFile {
  /** Path relative to the copy source root ('' for a single-file source). */
  rel: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  size: number;
  digest?: string;
  linkname?: string;
  /** Absolute host path, used to read the bytes; never part of a key. */
  abs: string;
}

function inside(root: string, p: string): boolean {
  const r = relative(root, p);
  // Compare whole components: a file named `..foo` is inside; only `..` or `../x` leave.
  return r === '' || (r !== '..' && !r.startsWith(`..${sep}`) && !isAbsolute(r));
}

/** Resolves a copy source inside `context`, refusing escapes, including via symlinked parents. */
export async function resolveContextPath(context: string, src: string, where: string): Promise<string> {
  const abs = resolve(context, src);
  if (!inside(context, abs)) throw new ContextPathError(src, 'outside', where);
  let real: string;
  try {
    real = await fs.realpath(abs);
  } catch {
    throw new ContextPathError(src, 'missing', where);
  }
  if (!inside(await fs.realpath(context), real)) throw new ContextPathError(src, 'outside', where);
  return abs;
}

/** Files at most this big are read in one call: a read stream costs more than it saves. */
const SMALL_FILE = 1 << 20;
/** Files hashed at once: overlaps I/O latency (cold page cache) with hashing. */
const HASH_PARALLEL = 8;

async function digestOf(p: string, size: number): Promise<string> {
  if (size > SMALL_FILE) return (await sha256File(p)).digest;
  return `sha256:${createHash('sha256').update(await fs.readFile(p)).digest('hex')}`;
}

export async function hashContextSource(abs: string, index: StatIndex, signal?: AbortSignal): Promise<ContextFile[]> {
  const out: ContextFile[] = [];
  const toHash: Array<{ file: ContextFile; st: Stats }> = [];
  // Walk first (in sorted order, so the list is stable), then hash what the index does not know.
  async function visit(p: string, rel: string, st: Stats): Promise<void> {
    signal?.throwIfAborted();
    noteInput(p);
    const mode = st.mode & 0o7777;
    if (st.isSymbolicLink()) {
      out.push({ rel, type: 'symlink', mode: 0o777, size: 0, linkname: await fs.readlink(p), abs: p });
    } else if (st.isDirectory()) {
      if (rel !== '') out.push({ rel, type: 'directory', mode, size: 0, abs: p });
      const names = (await fs.readdir(p)).sort();
      const stats = await Promise.all(names.map((name) => fs.lstat(join(p, name))));
      for (let i = 0; i < names.length; i++) await visit(join(p, names[i]), rel ? `${rel}/${names[i]}` : names[i], stats[i]);
    } else if (st.isFile()) {
      const file: ContextFile = { rel, type: 'file', mode, size: st.size, digest: index.get(p, st), abs: p };
      out.push(file);
      if (!file.digest) toHash.push({ file, st });
    }
    // sockets, fifos and devices in a build context are skipped, as docker does
  }
  await visit(abs, '', await fs.lstat(abs));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < toHash.length) {
      const { file, st } = toHash[next++];
      signal?.throwIfAborted();
      file.digest = await digestOf(file.abs, st.size);
      index.set(file.abs, st, file.digest);
    }
  };
  await Promise.all(Array.from({ length: Math.min(HASH_PARALLEL, toHash.length) }, worker));
  return out;
}

/** What enters the key: path, type, mode, digest/link; nothing host-specific. */
export function contextKeyInput(files: ContextFile[]): string[] {
  // The path goes last and may hold spaces; a link target is percent-encoded so it
  // cannot: otherwise link 'a b' at 'c' and link 'a' at 'b c' would share a key.
  return files.map((f) => `${f.type} ${f.mode.toString(8)} ${f.digest ?? (f.linkname !== undefined ? encodeURIComponent(f.linkname) : '')} ${f.rel}`);
}
