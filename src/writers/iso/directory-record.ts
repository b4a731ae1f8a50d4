// ECMA-119 9.1 directory records: planning a folder's records (sizes, sector packing,
// multi-extent sections, Rock Ridge System Use) and rendering them once addresses are known.
import { both16, both32, dirDate } from './fields.js';
import { ceEntry, erEntry, nmEntries, pnEntry, pxEntry, slEntries, spEntry, tfEntry, type SuPlan, planSystemUse } from './rock-ridge.js';
import type { TreeNode } from './tree.js';

const BLOCK = 2048;
/** xorriso's section size for files of 4 GiB and more. */
export const SECTION_MAX = 0xfffff800;

export interface RecordPlan {
  id: Buffer;
  /** Node whose extent and attributes the record describes (for `..`, the parent folder). */
  target: TreeNode;
  section: number;
  sectionSize: number;
  flags: number;
  su?: SuPlan;
  len: number;
  pos: number;
}

/** Sizes of the sections of a file: one section unless it is 4 GiB or more. */
export function sections(size: number): number[] {
  if (size <= 0xffffffff) return [size];
  const out: number[] = [];
  for (let left = size; left > 0; left -= SECTION_MAX) out.push(Math.min(left, SECTION_MAX));
  return out;
}

export function dirLinkCount(node: TreeNode): number {
  return 2 + (node.children ?? []).filter((c) => c.type === 'dir').length;
}

export function nodeIno(node: TreeNode): number {
  return node.content ? node.content.ino : node.ino;
}

function nodeLinks(node: TreeNode): number {
  if (node.type === 'dir') return dirLinkCount(node);
  return node.content ? node.content.links : 1;
}

function rrEntries(node: TreeNode, name: string | undefined): Buffer[] {
  const out = [pxEntry(node, nodeLinks(node), nodeIno(node)), tfEntry(node.mtime)];
  if ((node.type === 'char' || node.type === 'block') && node.rdev !== undefined) out.push(pnEntry(node.rdev));
  if (node.type === 'symlink' && node.linkTarget !== undefined) out.push(...slEntries(node.linkTarget));
  if (name !== undefined) out.push(...nmEntries(name));
  return out;
}

function baseLen(id: Buffer): number {
  return 33 + id.length + (id.length % 2 === 0 ? 1 : 0);
}

/**
 * Plans a folder's records: `.`, `..`, then each child in identifier order (one record per
 * section). `rockRidge` adds System Use entries; the root's `.` carries SP and, in a CE area, ER.
 */
export function planDirectory(
  dir: TreeNode,
  children: Array<{ item: TreeNode; id: Buffer }>,
  rockRidge: boolean,
): { records: RecordPlan[]; size: number } {
  const records: RecordPlan[] = [];
  const add = (id: Buffer, target: TreeNode, su: Buffer[] | undefined, forceCe: Buffer[] = [], multi?: number[]) => {
    const sizes = multi ?? [0];
    sizes.forEach((sectionSize, section) => {
      const base = baseLen(id);
      const plan = su ? planSystemUse(su, 254 - base, forceCe) : undefined;
      let len = base + (plan ? plan.inlineLen : 0);
      if (len % 2) len++;
      const flags = (target.type === 'dir' ? 0x02 : 0) | (section < sizes.length - 1 ? 0x80 : 0);
      records.push({ id, target, section, sectionSize, flags, su: plan, len, pos: 0 });
    });
  };
  const isRoot = !dir.parent;
  const parent = dir.parent ?? dir;
  add(Buffer.from([0]), dir, rockRidge ? [...(isRoot ? [spEntry()] : []), ...rrEntries(dir, undefined)] : undefined, isRoot && rockRidge ? [erEntry()] : []);
  add(Buffer.from([1]), parent, rockRidge ? rrEntries(parent, undefined) : undefined);
  for (const { item, id } of children) {
    const multi = item.content ? sections(item.content.size) : undefined;
    add(id, item, rockRidge ? rrEntries(item, item.name) : undefined, [], multi);
  }
  let pos = 0;
  for (const r of records) {
    if ((pos % BLOCK) + r.len > BLOCK) pos = Math.ceil(pos / BLOCK) * BLOCK;
    r.pos = pos;
    pos += r.len;
  }
  return { records, size: Math.max(BLOCK, Math.ceil(pos / BLOCK) * BLOCK) };
}

export interface Extent {
  lba: number;
  size: number;
}

/** Renders one record at `r.pos` of `buf` (the folder's extent). `ceBase` turns CE blocks into LBAs. */
export function renderRecord(buf: Buffer, r: RecordPlan, extent: Extent, ceBase: number): void {
  const o = r.pos;
  buf[o] = r.len;
  buf[o + 1] = 0;
  both32(buf, o + 2, extent.lba);
  both32(buf, o + 10, extent.size);
  dirDate(buf, o + 18, r.target.mtime);
  buf[o + 25] = r.flags;
  buf[o + 26] = 0;
  buf[o + 27] = 0;
  both16(buf, o + 28, 1);
  buf[o + 32] = r.id.length;
  r.id.copy(buf, o + 33);
  if (!r.su) return;
  let p = o + baseLen(r.id);
  for (const e of r.su.inline) {
    e.copy(buf, p);
    p += e.length;
  }
  if (r.su.ce) ceEntry(r.su.ce, ceBase).copy(buf, p);
}
