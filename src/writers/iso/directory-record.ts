// ECMA-119 9.1 directory records: planning a folder's records (sizes, sector packing,
// multi-extent sections, Rock Ridge System Use) and rendering them once addresses are known.
import { both16, both32, dirDate } from './fields.js';
import { ceEntry, erEntry, nmEntries, pnEntry, pxEntry, pxInto, slEntries, spEntry, tfEntry, type SuPlan, planSystemUse } from './rock-ridge.js';
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
  /** Rock Ridge entries planned as buffers: the root, symlinks and anything that needs a CE area. */
  su?: SuPlan;
  /** Rock Ridge written in place at render time: 0 none (or `su`), 1 PX TF [PN] [SL], 2 PX TF [PN] [SL] NM. */
  rr: 0 | 1 | 2;
  len: number;
  pos: number;
}

const DOT = Buffer.from([0]);
const DOTDOT = Buffer.from([1]);
const PX_LEN = 44;
const TF_LEN = 26;
const PN_LEN = 20;

/** Sizes of the sections of a file: one section unless it is 4 GiB or more. */
export function sections(size: number): number[] {
  if (size <= 0xffffffff) return [size];
  const out: number[] = [];
  for (let left = size; left > 0; left -= SECTION_MAX) out.push(Math.min(left, SECTION_MAX));
  return out;
}

export function dirLinkCount(node: TreeNode): number {
  if (node.dirLinks === undefined) {
    let n = 2;
    for (const c of node.children ?? []) if (c.type === 'dir') n++;
    node.dirLinks = n;
  }
  return node.dirLinks;
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

const isDevice = (n: TreeNode) => (n.type === 'char' || n.type === 'block') && n.rdev !== undefined;
const isLink = (n: TreeNode) => n.type === 'symlink' && n.linkTarget !== undefined;

/** Bytes of a symlink's SL entries (0 for other nodes); they are encoded again when rendered. */
function slLen(n: TreeNode): number {
  if (!isLink(n)) return 0;
  let len = 0;
  for (const e of slEntries(n.linkTarget!)) len += e.length;
  return len;
}

/**
 * Plans a folder's records: `.`, `..`, then each child in identifier order (one record per
 * section). `rockRidge` adds System Use entries; the root's `.` carries SP and, in a CE area, ER.
 * Most records' entries (PX, TF, PN, SL, one NM) are sized here and written in place at render
 * time; only the rest are built as buffers now.
 */
export function planDirectory(
  dir: TreeNode,
  children: Array<{ item: TreeNode; id: Buffer }>,
  rockRidge: boolean,
): { records: RecordPlan[]; size: number } {
  const records: RecordPlan[] = [];
  const add = (id: Buffer, target: TreeNode, named: boolean, sizes: number[] | undefined, special?: () => { su: Buffer[]; forceCe: Buffer[] }) => {
    const base = baseLen(id);
    const n = sizes ? sizes.length : 1;
    let rr: 0 | 1 | 2 = 0;
    let fast = 0;
    if (rockRidge) {
      const nameBytes = named ? Buffer.byteLength(target.name) : 0;
      fast = PX_LEN + TF_LEN + (isDevice(target) ? PN_LEN : 0) + slLen(target) + (named ? 5 + nameBytes : 0);
      if (!special && fast <= 254 - base && nameBytes <= 250) rr = named ? 2 : 1;
    }
    for (let section = 0; section < n; section++) {
      let su: SuPlan | undefined;
      if (rockRidge && rr === 0) {
        // each section repeats the entries, with CE areas of its own
        const e = special ? special() : { su: rrEntries(target, named ? target.name : undefined), forceCe: [] };
        su = planSystemUse(e.su, 254 - base, e.forceCe);
      }
      let len = base + (su ? su.inlineLen : rr !== 0 ? fast : 0);
      if (len % 2) len++;
      const flags = (target.type === 'dir' ? 0x02 : 0) | (section < n - 1 ? 0x80 : 0);
      const sectionSize = sizes ? sizes[section] : (target.content?.size ?? 0);
      records.push({ id, target, section, sectionSize, flags, su, rr, len, pos: 0 });
    }
  };
  const isRoot = !dir.parent;
  const parent = dir.parent ?? dir;
  add(DOT, dir, false, undefined, isRoot && rockRidge ? () => ({ su: [spEntry(), ...rrEntries(dir, undefined)], forceCe: [erEntry()] }) : undefined);
  add(DOTDOT, parent, false, undefined);
  for (const { item, id } of children) {
    add(id, item, true, item.content && item.content.size > 0xffffffff ? sections(item.content.size) : undefined);
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

/** Writes the in-place Rock Ridge entries of a fast-path record at `p`; the record's date is at `date`. */
function renderRr(buf: Buffer, p: number, r: RecordPlan, date: number): void {
  const t = r.target;
  pxInto(buf, p, t, nodeLinks(t), nodeIno(t));
  p += PX_LEN;
  buf[p] = 0x54; // TF
  buf[p + 1] = 0x46;
  buf[p + 2] = TF_LEN;
  buf[p + 3] = 1;
  buf[p + 4] = 0x0e;
  for (let i = 0; i < 3; i++) buf.copy(buf, p + 5 + i * 7, date, date + 7);
  p += TF_LEN;
  if (isDevice(t)) {
    pnEntry(t.rdev!).copy(buf, p);
    p += PN_LEN;
  }
  if (isLink(t)) {
    for (const e of slEntries(t.linkTarget!)) {
      e.copy(buf, p);
      p += e.length;
    }
  }
  if (r.rr === 2) {
    const n = buf.write(t.name, p + 5, 'utf8');
    buf[p] = 0x4e; // NM
    buf[p + 1] = 0x4d;
    buf[p + 2] = 5 + n;
    buf[p + 3] = 1;
    buf[p + 4] = 0;
  }
}

/** Renders one record at `r.pos` of `buf` (the folder's extent, zero-filled). `ceBase` turns CE blocks into LBAs. */
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
  let p = o + baseLen(r.id);
  if (r.rr !== 0) {
    renderRr(buf, p, r, o + 18);
    return;
  }
  if (!r.su) return;
  for (const e of r.su.inline) {
    e.copy(buf, p);
    p += e.length;
  }
  if (r.su.ce) ceEntry(r.su.ce, ceBase).copy(buf, p);
}
