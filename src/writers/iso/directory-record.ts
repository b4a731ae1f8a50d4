// ECMA-119 9.1 directory records: planning a folder's records (sizes, sector packing,
// multi-extent sections, Rock Ridge System Use) and rendering them once addresses are known.
// A plan keeps only what rendering cannot cheaply compute again (see DirRecords).
import { both16, both32, dirDate } from './fields.js';
import { ceEntry, erEntry, nmEntries, pnEntry, pxEntry, pxInto, slEntries, spEntry, tfEntry, type SuPlan, planSystemUse } from './rock-ridge.js';
import { idBytes, writeId } from './names.js';
import type { TreeNode } from './tree.js';

const BLOCK = 2048;
/** xorriso's section size for files of 4 GiB and more. */
export const SECTION_MAX = 0xfffff800;

/**
 * A folder's records, kept compact: its children in identifier order and their identifiers.
 * The records themselves (lengths, positions, Rock Ridge layout) are computed again, with the
 * same arithmetic, when the folder is rendered; only System Use planned as buffers is kept.
 */
export interface DirRecords {
  kids: TreeNode[];
  ids: string[];
  /** The Joliet tree: UCS-2 identifiers, no Rock Ridge. */
  wide: boolean;
  /** System Use built as buffers, for the few records that need it (the root's `.`, CE areas), by record ordinal. */
  su?: Map<number, SuPlan>;
  /** Bytes of the folder's extent. */
  size: number;
}

/** One record as computed on the fly; a single object is reused for a whole folder. */
export interface Rec {
  id: string;
  /** Node whose extent and attributes the record describes (for `..`, the parent folder). */
  target: TreeNode;
  section: number;
  sectionSize: number;
  flags: number;
  /** Rock Ridge entries planned as buffers: the root and anything that needs a CE area. */
  su: SuPlan | undefined;
  /** Rock Ridge written in place at render time: 0 none (or `su`), 1 PX TF [PN] [SL], 2 PX TF [PN] [SL] NM. */
  rr: 0 | 1 | 2;
  len: number;
  pos: number;
}

const DOT = '\0';
const DOTDOT = '\x01';
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

function baseLen(idLen: number): number {
  return 33 + idLen + (idLen % 2 === 0 ? 1 : 0);
}

const isDevice = (n: TreeNode) => (n.type === 'char' || n.type === 'block') && n.rdev !== undefined;
const isLink = (n: TreeNode) => n.type === 'symlink' && n.linkTarget !== undefined;

/** Bytes of a symlink's SL entries (0 for other nodes), by the arithmetic of slEntries, without building them. */
export function slLen(n: TreeNode): number {
  if (!isLink(n)) return 0;
  const target = n.linkTarget!;
  let total = 5;
  let used = 5;
  const add = (len: number) => {
    do {
      if (255 - used < 3) {
        total += 5;
        used = 5;
      }
      const take = Math.min(len, 255 - used - 2);
      used += 2 + take;
      total += 2 + take;
      len -= take;
    } while (len > 0);
  };
  if (target.startsWith('/')) add(0);
  for (const part of target.split('/')) {
    if (part === '') continue;
    add(part === '.' || part === '..' ? 0 : Buffer.byteLength(part));
  }
  return total;
}

/**
 * Walks a folder's records in order: `.`, `..`, then each child (one record per section),
 * computing each one's length and position in the extent (a record never crosses a sector)
 * and calling `visit` with it. `planning` builds the System Use of records that cannot be
 * written in place and stores it in `d.su`; otherwise that is read back from `d.su`. Returns
 * the extent's size. In the ISO9660 tree (not `wide`) records carry Rock Ridge; the root's
 * `.` carries SP and, in a CE area, ER.
 */
function eachRecord(dir: TreeNode, d: DirRecords, planning: boolean, visit: (r: Rec) => void): number {
  const rockRidge = !d.wide;
  const r: Rec = { id: '', target: dir, section: 0, sectionSize: 0, flags: 0, su: undefined, rr: 0, len: 0, pos: 0 };
  let pos = 0;
  let ordinal = 0;
  const one = (id: string, target: TreeNode, named: boolean, special: boolean) => {
    const base = baseLen(idBytes(id, d.wide));
    const size = target.content?.size ?? 0;
    const sizes = size > 0xffffffff ? sections(size) : undefined;
    const n = sizes ? sizes.length : 1;
    let rr: 0 | 1 | 2 = 0;
    let fast = 0;
    if (rockRidge) {
      const nameBytes = named ? Buffer.byteLength(target.name) : 0;
      fast = PX_LEN + TF_LEN + (isDevice(target) ? PN_LEN : 0) + slLen(target) + (named ? 5 + nameBytes : 0);
      if (!special && fast <= 254 - base && nameBytes <= 250) rr = named ? 2 : 1;
    }
    for (let section = 0; section < n; section++, ordinal++) {
      let su: SuPlan | undefined;
      if (rockRidge && rr === 0) {
        if (planning) {
          // each section repeats the entries, with CE areas of its own
          su = special
            ? planSystemUse([spEntry(), ...rrEntries(target, undefined)], 254 - base, [erEntry()])
            : planSystemUse(rrEntries(target, named ? target.name : undefined), 254 - base);
          (d.su ??= new Map()).set(ordinal, su);
        } else su = d.su?.get(ordinal);
      }
      let len = base + (su ? su.inlineLen : rr !== 0 ? fast : 0);
      if (len % 2) len++;
      if ((pos % BLOCK) + len > BLOCK) pos = Math.ceil(pos / BLOCK) * BLOCK;
      r.id = id;
      r.target = target;
      r.section = section;
      r.sectionSize = sizes ? sizes[section] : size;
      r.flags = (target.type === 'dir' ? 0x02 : 0) | (section < n - 1 ? 0x80 : 0);
      r.su = su;
      r.rr = rr;
      r.len = len;
      r.pos = pos;
      visit(r);
      pos += len;
    }
  };
  one(DOT, dir, false, !dir.parent && rockRidge);
  one(DOTDOT, dir.parent ?? dir, false, false);
  for (let i = 0; i < d.kids.length; i++) one(d.ids[i], d.kids[i], true, false);
  return Math.max(BLOCK, Math.ceil(pos / BLOCK) * BLOCK);
}

/** Plans a folder's records: keeps the children and their identifiers, sizes the extent. */
export function planDirectory(dir: TreeNode, children: Array<{ item: TreeNode; id: string }>, wide: boolean): DirRecords {
  const d: DirRecords = { kids: children.map((c) => c.item), ids: children.map((c) => c.id), wide, size: 0 };
  d.size = eachRecord(dir, d, true, () => undefined);
  return d;
}

export interface Extent {
  lba: number;
  size: number;
}

/** Writes the in-place Rock Ridge entries of a fast-path record at `p`; the record's date is at `date`. */
function renderRr(buf: Buffer, p: number, r: Rec, date: number): void {
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
function renderRecord(buf: Buffer, r: Rec, wide: boolean, extent: Extent, ceBase: number): void {
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
  const idLen = writeId(buf, o + 33, r.id, wide);
  buf[o + 32] = idLen;
  let p = o + baseLen(idLen);
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

/**
 * Renders a folder's extent into `buf` (at least `d.size` bytes, zero-filled); `extentOf`
 * gives the extent each record points at, `ceBase` turns CE blocks into LBAs.
 */
export function renderDirectory(buf: Buffer, dir: TreeNode, d: DirRecords, extentOf: (r: Rec) => Extent, ceBase: number): void {
  eachRecord(dir, d, false, (r) => renderRecord(buf, r, d.wide, extentOf(r), ceBase));
}
