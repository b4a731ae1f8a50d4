// Block allocation of the whole image: names, folder extents, path tables, CE areas, file
// extents, boot catalog, appended ESP and GPT tail. Pure planning; nothing is read or written.
import { type DirRecords, planDirectory, sections } from './directory-record.js';
import { IsoTooManyDirectoriesError } from './errors.js';
import { idBytes, isoNames, jolietNames } from './names.js';
import type { CeArea } from './rock-ridge.js';
import { type Content, type TreeNode, walkTree } from './tree.js';

export const BLOCK = 2048;
const blocks = (bytes: number) => Math.ceil(bytes / BLOCK);

export interface DirPlan extends DirRecords {
  node: TreeNode;
  /** Identifier in the path table (see names.ts: a string, UCS-2 in the Joliet tree). */
  id: string;
  number: number;
  parentNumber: number;
  /** Block relative to the start of the metadata region. */
  block: number;
}

export interface TreePlan {
  /** The Joliet tree (UCS-2 identifiers, no Rock Ridge). */
  wide: boolean;
  dirs: DirPlan[];
  byNode: Map<TreeNode, DirPlan>;
  pathTableSize: number;
}

/** One set of volume descriptors and trees; with a partition offset there are two. */
export interface DescriptorSet {
  /** Absolute LBA of its first volume descriptor. */
  vdStart: number;
  /** Absolute LBA of its metadata region. */
  regionStart: number;
  /** Subtracted from absolute LBAs written in this set (the partition offset, or 0). */
  bias: number;
  /** Volume space size written in this set's descriptors. */
  volumeBlocks: number;
  bootRecord: boolean;
}

export interface Layout {
  iso: TreePlan;
  joliet: TreePlan;
  /** Region-relative blocks of the four path tables. */
  pt: { isoL: number; isoM: number; jolL: number; jolM: number };
  ceAreas: CeArea[];
  ceStart: number;
  regionBlocks: number;
  sets: DescriptorSet[];
  catalogLba?: number;
  contents: Content[];
  dataStart: number;
  dataEnd: number;
  appended?: { content: Content; lba: number; blocks: number };
  totalBlocks: number;
}

export interface LayoutOptions {
  boot: boolean;
  partitionOffset: number;
  appendEsp?: Content;
  gptTailBlocks: number;
}

function planTree(root: TreeNode, joliet: boolean): TreePlan {
  const dirs: DirPlan[] = [];
  const byNode = new Map<TreeNode, DirPlan>();
  const queue: Array<{ node: TreeNode; id: string; parentNumber: number }> = [{ node: root, id: '\0', parentNumber: 1 }];
  const include = (n: TreeNode) => !joliet || n.type === 'file' || n.type === 'dir';
  for (let q = 0; q < queue.length; q++) {
    const { node, id, parentNumber } = queue[q];
    const kids = node.children!.filter(include);
    const named = (joliet ? jolietNames : isoNames)(kids, (n) => n.name, (n) => n.type === 'dir');
    const plan: DirPlan = { ...planDirectory(node, named, joliet), node, id, number: q + 1, parentNumber, block: 0 };
    dirs.push(plan);
    byNode.set(node, plan);
    for (const c of named) if (c.item.type === 'dir') queue.push({ node: c.item, id: c.id, parentNumber: q + 1 });
  }
  if (dirs.length > 0xffff) {
    throw new IsoTooManyDirectoriesError(`the tree has ${dirs.length} folders; ISO9660 path tables address at most 65535`, {
      hint: 'Pack part of the tree into a squashfs image and put that file in the ISO instead.',
    });
  }
  const pathTableSize = dirs.reduce((s, d) => s + 8 + idBytes(d.id, joliet) + (idBytes(d.id, joliet) % 2), 0);
  return { wide: joliet, dirs, byNode, pathTableSize };
}

/** Gives every folder and every distinct file content its Rock Ridge serial number. */
function assignInodes(root: TreeNode): void {
  let next = 1;
  for (const n of walkTree(root)) {
    if (n.content) {
      if (n.content.ino === 0) n.content.ino = next++;
    } else n.ino = next++;
  }
}

export function planLayout(root: TreeNode, opts: LayoutOptions): Layout {
  assignInodes(root);
  const iso = planTree(root, false);
  const joliet = planTree(root, true);

  // metadata region: path tables, folders, CE areas (region-relative blocks)
  let r = 0;
  const ptBlocks = (t: TreePlan) => blocks(t.pathTableSize);
  const pt = { isoL: r, isoM: (r += ptBlocks(iso)), jolL: (r += ptBlocks(iso)), jolM: (r += ptBlocks(joliet)) };
  r += ptBlocks(joliet);
  for (const d of [...iso.dirs, ...joliet.dirs]) {
    d.block = r;
    r += blocks(d.size);
  }
  const ceStart = r;
  const ceAreas: CeArea[] = [];
  let cur = -1;
  let off = BLOCK;
  for (const d of iso.dirs) {
    for (const su of d.su?.values() ?? []) {
      for (let a = su.ce; a; a = a.next) {
        if (off + a.len > BLOCK) {
          cur++;
          off = 0;
        }
        a.block = ceStart + cur;
        a.offset = off;
        off += a.len;
        ceAreas.push(a);
      }
    }
  }
  const regionBlocks = ceStart + cur + 1;

  // descriptors: set 1 at 16, set 2 at offset+16 when there is a partition offset
  const vdCount = (boot: boolean) => 3 + (boot ? 1 : 0);
  const sets: DescriptorSet[] = [{ vdStart: 16, regionStart: 0, bias: 0, volumeBlocks: 0, bootRecord: opts.boot }];
  let next = 16 + vdCount(opts.boot);
  if (opts.partitionOffset > 0) {
    const start = opts.partitionOffset + 16;
    next = Math.max(next, start);
    sets.push({ vdStart: start, regionStart: 0, bias: opts.partitionOffset, volumeBlocks: 0, bootRecord: false });
    next += vdCount(false);
  }
  const catalogLba = opts.boot ? next++ : undefined;
  for (const s of sets) {
    s.regionStart = next;
    next += regionBlocks;
  }

  // file data in tree order, each content once
  const dataStart = next;
  const contents: Content[] = [];
  const seen = new Set<Content>();
  for (const n of walkTree(root)) {
    const c = n.content;
    if (!c || seen.has(c)) continue;
    seen.add(c);
    contents.push(c);
    c.lba = c.size === 0 ? 0 : next;
    next += sections(c.size).reduce((s, x) => s + blocks(x), 0);
  }
  const dataEnd = next;
  let appended: Layout['appended'];
  if (opts.appendEsp) {
    appended = { content: opts.appendEsp, lba: next, blocks: Math.max(1, blocks(opts.appendEsp.size)) };
    next += appended.blocks;
  }
  const totalBlocks = next + opts.gptTailBlocks;
  sets[0].volumeBlocks = totalBlocks;
  if (sets[1]) sets[1].volumeBlocks = dataEnd - sets[1].bias;
  return { iso, joliet, pt, ceAreas, ceStart, regionBlocks, sets, catalogLba, contents, dataStart, dataEnd, appended, totalBlocks };
}
