// Writes part of a flattened chain to a host folder (for writers that need a
// real tree, like the ISO writer). Our own layers only, but paths are still
// checked so nothing lands outside `dest`.
import { promises as fs, createReadStream, createWriteStream } from 'node:fs';
import { join, dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FlatEntry } from './flatten.js';
import { UnsafePathError } from './errors.js';
import { runNativeOrThrow, type NativeOp } from './native-fs.js';

export interface MaterializeOptions {
  /**
   * Also device nodes and fifos (mknod) and the security.capability xattr, as a
   * snapshot holds them: for a tree handed whole to a tool such as mksquashfs.
   */
  faithful?: boolean;
}

const NODE_MODE: Record<string, number> = { 'character-device': 0o020000, 'block-device': 0o060000, fifo: 0o010000 };

function safeRel(p: string): string {
  if (p.split('/').some((c) => c === '..' || c === '')) throw new UnsafePathError(p, 'path has empty or .. components');
  return p;
}

/** Entries under `prefix` ('' = all), re-rooted so `prefix/a` becomes `a`. */
export function subtree(entries: FlatEntry[], prefix: string): FlatEntry[] {
  const pre = prefix.replace(/^\/+|\/+$/g, '');
  if (pre === '') return entries;
  return entries
    .filter((e) => e.entry.path.startsWith(`${pre}/`))
    .map((e) => ({
      ...e,
      entry: {
        ...e.entry,
        path: e.entry.path.slice(pre.length + 1),
        linkname: e.entry.type === 'link' && e.entry.linkname?.startsWith(`${pre}/`) ? e.entry.linkname.slice(pre.length + 1) : e.entry.linkname,
      },
    }));
}

export async function materialize(entries: FlatEntry[], dest: string, signal?: AbortSignal, opts: MaterializeOptions = {}): Promise<void> {
  await fs.mkdir(dest, { recursive: true });
  const isRoot = process.getuid?.() === 0;
  const dirs: FlatEntry[] = [];
  const xattrs: NativeOp[] = [];
  for (const f of entries) {
    signal?.throwIfAborted();
    const e = f.entry;
    const target = join(dest, safeRel(e.path));
    await fs.mkdir(dirname(target), { recursive: true });
    switch (e.type) {
      case 'directory':
        await fs.mkdir(target, { recursive: true });
        dirs.push(f);
        continue;
      case 'file':
        if (e.size === 0) await fs.writeFile(target, '');
        else await pipeline(createReadStream(f.blob, { start: f.offset, end: f.offset + e.size - 1 }), createWriteStream(target));
        break;
      case 'symlink':
        await fs.symlink(e.linkname ?? '', target);
        break;
      case 'link': {
        const src = join(dest, safeRel(e.linkname ?? ''));
        await fs.link(src, target);
        continue;
      }
      default:
        // Devices and fifos are not needed by file-level writers.
        if (!opts.faithful || !(e.type in NODE_MODE)) continue;
        await runNativeOrThrow([{ op: 'mknod', path: target, mode: NODE_MODE[e.type] | (e.mode & 0o7777), major: e.devmajor ?? 0, minor: e.devminor ?? 0 }]);
    }
    if (isRoot) await fs.lchown(target, e.uid, e.gid).catch(() => undefined);
    if (e.type !== 'symlink') await fs.chmod(target, e.mode);
    await fs.lutimes(target, e.mtime, e.mtime);
    // After chown, which clears file capabilities.
    const cap = opts.faithful ? e.xattrs?.['security.capability'] : undefined;
    if (cap !== undefined) xattrs.push({ op: 'setxattr', path: target, name: 'security.capability', value: Buffer.from(cap, 'latin1') });
  }
  await runNativeOrThrow(xattrs);
  // Directories last, deepest first, so writing children does not disturb their metadata.
  for (const f of dirs.reverse()) {
    const target = join(dest, f.entry.path);
    if (isRoot) await fs.chown(target, f.entry.uid, f.entry.gid).catch(() => undefined);
    await fs.chmod(target, f.entry.mode);
    await fs.utimes(target, f.entry.mtime, f.entry.mtime);
  }
}
