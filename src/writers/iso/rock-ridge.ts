// Rock Ridge (SUSP 1.12 + RRIP 1.12) System Use entries: SP, ER, PX, PN, SL, NM, TF, and
// the split of a record's entries between the record and chained CE continuation areas.
// Sizes never depend on block addresses, so layout can plan before anything is placed.
import { both32, dirDate } from './fields.js';
import type { TreeNode } from './tree.js';

const S_IF: Record<TreeNode['type'], number> = {
  file: 0o100000, dir: 0o040000, symlink: 0o120000, char: 0o020000, block: 0o060000, fifo: 0o010000, socket: 0o140000,
};

/** Bytes of a CE entry. */
export const CE_LEN = 28;
/** A continuation area must sit inside one 2048-byte block (Linux refuses otherwise). */
export const CE_AREA_MAX = 2048;

function entry(sig: string, len: number): Buffer {
  const b = Buffer.alloc(len);
  b[0] = sig.charCodeAt(0);
  b[1] = sig.charCodeAt(1);
  b[2] = len;
  b[3] = 1;
  return b;
}

export function spEntry(): Buffer {
  const b = entry('SP', 7);
  b[4] = 0xbe;
  b[5] = 0xef;
  b[6] = 0;
  return b;
}

const ER_ID = 'RRIP_1991A';
const ER_DES = 'THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS';
const ER_SRC = 'PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.';

export function erEntry(): Buffer {
  const b = entry('ER', 8 + ER_ID.length + ER_DES.length + ER_SRC.length);
  b[4] = ER_ID.length;
  b[5] = ER_DES.length;
  b[6] = ER_SRC.length;
  b[7] = 1;
  b.write(ER_ID + ER_DES + ER_SRC, 8, 'latin1');
  return b;
}

export function pxEntry(node: TreeNode, nlink: number, ino: number): Buffer {
  const b = Buffer.alloc(44);
  pxInto(b, 0, node, nlink, ino);
  return b;
}

/** Writes a PX entry (44 bytes) at `off` of `b`. */
export function pxInto(b: Buffer, off: number, node: TreeNode, nlink: number, ino: number): void {
  b[off] = 0x50;
  b[off + 1] = 0x58;
  b[off + 2] = 44;
  b[off + 3] = 1;
  both32(b, off + 4, S_IF[node.type] | node.mode);
  both32(b, off + 12, nlink);
  both32(b, off + 20, node.uid);
  both32(b, off + 28, node.gid);
  both32(b, off + 36, ino);
}

/** PN: the 64-bit dev_t as high and low 32-bit halves (what libisofs and Linux use). */
export function pnEntry(rdev: number): Buffer {
  const b = entry('PN', 20);
  both32(b, 4, Math.floor(rdev / 2 ** 32));
  both32(b, 12, rdev % 2 ** 32);
  return b;
}

/** TF with modify, access and attribute-change times, all the node's mtime (deterministic). */
export function tfEntry(mtime: number): Buffer {
  const b = entry('TF', 5 + 3 * 7);
  b[4] = 0x0e;
  for (let i = 0; i < 3; i++) dirDate(b, 5 + i * 7, mtime);
  return b;
}

/** NM entries, split at 250 bytes of name each with the CONTINUE flag. */
export function nmEntries(name: string): Buffer[] {
  const bytes = Buffer.from(name);
  const out: Buffer[] = [];
  for (let off = 0; off < bytes.length || out.length === 0; off += 250) {
    const part = bytes.subarray(off, off + 250);
    const b = entry('NM', 5 + part.length);
    b[4] = off + 250 < bytes.length ? 0x01 : 0;
    part.copy(b, 5);
    out.push(b);
  }
  return out;
}

/** SL entries: component records packed into entries of at most 255 bytes, long components continued. */
export function slEntries(target: string): Buffer[] {
  const comps: Array<{ flags: number; data: Buffer }> = [];
  if (target.startsWith('/')) comps.push({ flags: 0x08, data: Buffer.alloc(0) });
  for (const part of target.split('/')) {
    if (part === '') continue;
    if (part === '.') comps.push({ flags: 0x02, data: Buffer.alloc(0) });
    else if (part === '..') comps.push({ flags: 0x04, data: Buffer.alloc(0) });
    else comps.push({ flags: 0, data: Buffer.from(part) });
  }
  const entries: Buffer[][] = [[]];
  let used = 5;
  const room = 255;
  for (const c of comps) {
    let data = c.data;
    do {
      if (room - used < 3) {
        entries.push([]);
        used = 5;
      }
      const take = Math.min(data.length, room - used - 2);
      const more = take < data.length;
      const rec = Buffer.alloc(2 + take);
      rec[0] = c.flags | (more ? 0x01 : 0);
      rec[1] = take;
      data.copy(rec, 2, 0, take);
      entries[entries.length - 1].push(rec);
      used += rec.length;
      data = data.subarray(take);
    } while (data.length > 0);
  }
  return entries.map((recs, i) => {
    const body = Buffer.concat(recs);
    const b = entry('SL', 5 + body.length);
    b[4] = i < entries.length - 1 ? 0x01 : 0;
    body.copy(b, 5);
    return b;
  });
}

/** A continuation area: its entries and, once placed, where it sits (block relative to the metadata region). */
export interface CeArea {
  parts: Buffer[];
  /** Bytes including the CE entry to the next area, if any. */
  len: number;
  next?: CeArea;
  block: number;
  offset: number;
}

/** A record's System Use plan: what stays in the record, and the first continuation area. */
export interface SuPlan {
  inline: Buffer[];
  inlineLen: number;
  ce?: CeArea;
}

/**
 * Puts entries into the record while they fit in `room` bytes; the rest go to chained
 * continuation areas, each at most one block, with a CE entry (28 bytes) linking them.
 */
export function planSystemUse(entries: Buffer[], room: number, forceCe: Buffer[] = []): SuPlan {
  const total = entries.reduce((s, e) => s + e.length, 0);
  if (forceCe.length === 0 && total <= room) return { inline: entries, inlineLen: total };
  const inline: Buffer[] = [];
  let inlineLen = 0;
  let i = 0;
  for (; i < entries.length && inlineLen + entries[i].length <= room - CE_LEN; i++) {
    inline.push(entries[i]);
    inlineLen += entries[i].length;
  }
  const rest = [...entries.slice(i), ...forceCe];
  const first: CeArea = { parts: [], len: 0, block: 0, offset: 0 };
  let area = first;
  for (let j = 0; j < rest.length; j++) {
    const e = rest[j];
    const needNext = j < rest.length - 1 ? CE_LEN : 0;
    if (area.len + e.length + needNext > CE_AREA_MAX && area.parts.length > 0) {
      const next: CeArea = { parts: [], len: 0, block: 0, offset: 0 };
      area.next = next;
      area.len += CE_LEN;
      area = next;
    }
    area.parts.push(e);
    area.len += e.length;
  }
  return { inline, inlineLen: inlineLen + CE_LEN, ce: first };
}

export function ceEntry(target: CeArea, regionBase: number): Buffer {
  const b = entry('CE', CE_LEN);
  both32(b, 4, regionBase + target.block);
  both32(b, 12, target.offset);
  both32(b, 20, target.len);
  return b;
}

/** Renders a continuation area (with its CE entry to the next area) into `block` at its offset. */
export function renderCeArea(area: CeArea, block: Buffer, regionBase: number): void {
  let off = area.offset;
  for (const p of area.parts) {
    p.copy(block, off);
    off += p.length;
  }
  if (area.next) ceEntry(area.next, regionBase).copy(block, off);
}
