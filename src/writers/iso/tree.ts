// The source tree of an image: a host directory walked with lstat, or a list of entries,
// turned into one in-memory tree of nodes. Owns path safety and hardlink detection;
// never reads file contents (the writer streams them later).
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import {
  IsoHardlinkCycleError,
  IsoInvalidEntryError,
  IsoNameClashError,
  IsoPathEscapesRootError,
} from './errors.js';

export type IsoEntryType = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

/** One entry of a list source. Parent folders missing from the list are created (0755, root). */
export interface IsoEntry {
  /** Path inside the image, `/`-separated; a leading `/` is allowed, `..` may not leave the root. */
  path: string;
  type: IsoEntryType;
  /** Permission bits (file type bits are ignored). Default 0644, folders 0755. */
  mode?: number;
  uid?: number;
  gid?: number;
  /** Seconds since the epoch. Default: the image's sourceDateEpoch. */
  mtime?: number;
  /** Content size; default the size of `hostPath` or `data`. Without either, the file holds `size` zero bytes. */
  size?: number;
  linkTarget?: string;
  /** Host file the content is streamed from. */
  hostPath?: string;
  /** Where the content starts in `hostPath` (default 0), e.g. a file's bytes inside an uncompressed tar. */
  hostOffset?: number;
  /** In-memory content (small files only). */
  data?: Buffer;
  /** Raw dev_t of a device node. */
  rdev?: number;
  /** Makes this entry a hardlink of the file entry at that path (shares its extent and inode). */
  hardlinkTo?: string;
}

export type IsoSource = { dir: string } | { entries: IsoEntry[] };

/** File content, shared by every hardlink of one file. */
export interface Content {
  hostPath?: string;
  /** Where the content starts in `hostPath`. */
  hostOffset?: number;
  data?: Buffer;
  size: number;
  /** Absolute LBA of the first block, set by the layout. */
  lba: number;
  /** Number of tree nodes that use this content (Rock Ridge nlink). */
  links: number;
  /** Rock Ridge serial number, shared by hardlinks. */
  ino: number;
  /** Rewrites the content before it is written (boot-info-table); set for boot images only. */
  patched?: Buffer;
}

export interface TreeNode {
  name: string;
  type: IsoEntryType;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  linkTarget?: string;
  rdev?: number;
  content?: Content;
  children?: TreeNode[];
  parent?: TreeNode;
  /** Rock Ridge serial number of folders and non-file nodes (files use content.ino). */
  ino: number;
  /** A folder's link count (2 + subfolders), cached by the layout. */
  dirLinks?: number;
}

const TYPE_DEFAULT_MODE: Record<IsoEntryType, number> = {
  file: 0o644, dir: 0o755, symlink: 0o777, char: 0o644, block: 0o644, fifo: 0o644, socket: 0o644,
};

export function newDir(name: string, mtime: number, parent?: TreeNode): TreeNode {
  return { name, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime, children: [], parent, ino: 0 };
}

/**
 * Splits an image path into its components, refusing any `..` that climbs above the root.
 * `a/./b`, `/a//b` and `a/x/../b` are fine; `../a` and `/a/../../b` are not.
 */
export function splitImagePath(path: string): string[] {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) {
        throw new IsoPathEscapesRootError(`path "${path}" leaves the image root through ".."`, {
          hint: 'Use paths relative to the image root without ".." components.',
        });
      }
      out.pop();
      continue;
    }
    if (part.includes('\0')) throw new IsoInvalidEntryError(`path "${path}" contains a NUL byte`);
    if (Buffer.byteLength(part) > 255) {
      throw new IsoInvalidEntryError(`name "${part.slice(0, 40)}…" in "${path}" is longer than 255 bytes`, {
        hint: 'Rock Ridge readers (Linux) accept names of at most 255 bytes; shorten the name.',
      });
    }
    out.push(part);
  }
  return out;
}

function kindOf(st: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isFIFO(): boolean }): IsoEntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return 'socket';
}

/** How long the walk may hold the event loop before it yields (ms). */
const WALK_SLICE_MS = 15;

/**
 * Walks a host directory with lstat (symlinks are kept, never followed). The calls are
 * synchronous: on a warm tree that is several times faster than the thread pool round trip
 * per entry; the walk yields to the event loop every few milliseconds so it never stalls it.
 */
export async function treeFromDir(dir: string): Promise<TreeNode> {
  const rootSt = await stat(dir);
  if (!rootSt.isDirectory()) throw new IsoInvalidEntryError(`source "${dir}" is not a directory`);
  const root: TreeNode = { ...newDir('', Math.floor(rootSt.mtimeMs / 1000)), mode: rootSt.mode & 0o7777, uid: rootSt.uid, gid: rootSt.gid };
  const byInode = new Map<string, Content>();
  // paths by concatenation (path.join normalizes every call: ~5% of the walk)
  const stack: Array<[TreeNode, string]> = [[root, dir.length > 1 && dir.endsWith('/') ? dir.slice(0, -1) : dir === '/' ? '' : dir]];
  let sliceStart = performance.now();
  while (stack.length > 0) {
    const [node, hostDir] = stack.pop()!;
    for (const name of readdirSync(hostDir)) {
      const hostPath = hostDir + '/' + name;
      const st = lstatSync(hostPath);
      const type = kindOf(st);
      const child: TreeNode = {
        name, type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid,
        mtime: Math.floor(st.mtimeMs / 1000), parent: node, ino: 0,
      };
      if (type === 'dir') {
        child.children = [];
        stack.push([child, hostPath]);
      } else if (type === 'file') {
        const key = st.nlink > 1 ? `${st.dev}:${st.ino}` : '';
        let content = key ? byInode.get(key) : undefined;
        if (!content) {
          content = { hostPath, size: st.size, lba: 0, links: 0, ino: 0 };
          if (key) byInode.set(key, content);
        }
        content.links++;
        child.content = content;
      } else if (type === 'symlink') {
        child.linkTarget = readlinkSync(hostPath);
      } else if (type === 'char' || type === 'block') {
        child.rdev = st.rdev;
      }
      node.children!.push(child);
    }
    if (performance.now() - sliceStart > WALK_SLICE_MS) {
      await new Promise<void>((res) => setImmediate(res));
      sliceStart = performance.now();
    }
  }
  sortTree(root);
  return root;
}

/** Builds the tree of a list source; `defaultMtime` fills entries without mtime and implied folders. */
export async function treeFromEntries(entries: IsoEntry[], defaultMtime: number): Promise<TreeNode> {
  const root = newDir('', defaultMtime);
  const byPath = new Map<string, TreeNode>([['', root]]);
  const explicit = new Set<string>();
  const pendingLinks: Array<[TreeNode, string, string]> = [];

  const dirAt = (parts: string[], entryPath: string): TreeNode => {
    let node = root;
    for (let i = 0; i < parts.length; i++) {
      const key = parts.slice(0, i + 1).join('/');
      let next = byPath.get(key);
      if (!next) {
        next = newDir(parts[i], defaultMtime, node);
        node.children!.push(next);
        byPath.set(key, next);
      } else if (next.type !== 'dir') {
        throw new IsoInvalidEntryError(`"${entryPath}" needs "${key}" to be a folder, but it is a ${next.type}`);
      }
      node = next;
    }
    return node;
  };

  for (const e of entries) {
    const parts = splitImagePath(e.path);
    const key = parts.join('/');
    if (!(e.type in TYPE_DEFAULT_MODE)) throw new IsoInvalidEntryError(`entry "${e.path}" has unknown type "${String(e.type)}"`);
    if (explicit.has(key) || (key === '' && e.type !== 'dir')) {
      throw new IsoNameClashError(`two entries have the path "/${key}"`, { hint: 'Each path may appear once in the entry list.' });
    }
    explicit.add(key);
    const attrs = {
      mode: (e.mode ?? TYPE_DEFAULT_MODE[e.type]) & 0o7777, uid: e.uid ?? 0, gid: e.gid ?? 0,
      mtime: Math.floor(e.mtime ?? defaultMtime),
    };
    if (e.type === 'dir') {
      Object.assign(dirAt(parts, e.path), attrs);
      continue;
    }
    const parent = dirAt(parts.slice(0, -1), e.path);
    if (byPath.has(key)) {
      throw new IsoNameClashError(`entry "${e.path}" is a ${e.type}, but "/${key}" is already a folder other entries live in`);
    }
    const node: TreeNode = { name: parts[parts.length - 1], type: e.type, ...attrs, parent, ino: 0 };
    if (e.type === 'file') {
      if (e.hardlinkTo !== undefined) pendingLinks.push([node, splitImagePath(e.hardlinkTo).join('/'), e.path]);
      else {
        const offset = e.hostOffset ?? 0;
        if (!Number.isSafeInteger(offset) || offset < 0 || (offset > 0 && e.hostPath === undefined)) {
          throw new IsoInvalidEntryError(`entry "${e.path}" has hostOffset ${offset}; it must be a whole number of bytes into its hostPath`);
        }
        let size = e.size ?? e.data?.length;
        if (size === undefined) size = e.hostPath ? Math.max(0, (await stat(e.hostPath)).size - offset) : 0;
        if (!Number.isSafeInteger(size) || size < 0) throw new IsoInvalidEntryError(`entry "${e.path}" has size ${size}; it must be a whole number of bytes`);
        node.content = { hostPath: e.hostPath, hostOffset: offset || undefined, data: e.data, size, lba: 0, links: 1, ino: 0 };
      }
    } else if (e.type === 'symlink') {
      if (e.linkTarget === undefined || e.linkTarget === '') throw new IsoInvalidEntryError(`symlink "${e.path}" has no linkTarget`);
      node.linkTarget = e.linkTarget;
    } else if (e.type === 'char' || e.type === 'block') {
      node.rdev = e.rdev ?? 0;
    }
    parent.children!.push(node);
    byPath.set(key, node);
  }
  resolveHardlinks(pendingLinks, byPath);
  sortTree(root);
  return root;
}

function resolveHardlinks(pending: Array<[TreeNode, string, string]>, byPath: Map<string, TreeNode>): void {
  const linkOf = new Map<TreeNode, string>(pending.map(([n, to]) => [n, to]));
  for (const [node, , entryPath] of pending) {
    const seen = new Set<TreeNode>([node]);
    const chain = [entryPath];
    let cur = node;
    while (!cur.content) {
      const to = linkOf.get(cur)!;
      const target = byPath.get(to);
      if (!target || target.type !== 'file') {
        throw new IsoInvalidEntryError(`hardlink "${entryPath}" points at "/${to}", which is not a file entry`);
      }
      chain.push('/' + to);
      if (seen.has(target)) {
        throw new IsoHardlinkCycleError(`hardlinks form a cycle: ${chain.join(' → ')}`, {
          hint: 'Point hardlinkTo at an entry that has content (hostPath, data or size).',
        });
      }
      seen.add(target);
      cur = target;
    }
    node.content = cur.content;
  }
  for (const [node] of pending) node.content!.links++;
}

/** Compares by Unicode code point, which is the byte order of the UTF-8 names, without encoding them. */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 order differs from code point order only between surrogates and U+E000..U+FFFF
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

function sortTree(root: TreeNode): void {
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (!node.children) continue;
    node.children.sort((a, b) => compareNames(a.name, b.name));
    for (const c of node.children) if (c.children) stack.push(c);
  }
}

/** Finds the node at an image path, or undefined. */
export function lookup(root: TreeNode, path: string): TreeNode | undefined {
  let node: TreeNode | undefined = root;
  for (const part of splitImagePath(path)) {
    node = node.children?.find((c) => c.name === part);
    if (!node) return undefined;
  }
  return node;
}

/** Depth-first, children in name order: the order file contents are laid out in. */
export function* walkTree(node: TreeNode): Generator<TreeNode> {
  const stack: TreeNode[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    yield n;
    const kids = n.children;
    if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
}

/** Image path of a node, for messages. */
export function pathOf(node: TreeNode): string {
  const parts: string[] = [];
  for (let n: TreeNode | undefined = node; n && n.parent; n = n.parent) parts.unshift(n.name);
  return '/' + parts.join('/');
}
