// File identifiers of the two non-Rock-Ridge trees: ISO9660 level 3 (d-characters, 31
// characters, `NAME.EXT;1`) and Joliet (UCS-2, 64 characters). Names that clash after
// mangling get a numbered tail, as xorriso does; Rock Ridge still carries the real name.
import { ucs2be } from './fields.js';

export interface NamedChild<T> {
  item: T;
  id: Buffer;
}

const ISO_MAX = 31;
const JOLIET_MAX = 64;

function dchars(s: string): string {
  return s.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/** Splits an ISO9660 candidate into a name and an extension part (files only). */
function isoParts(real: string, isDir: boolean): { base: string; ext: string } {
  if (isDir) return { base: dchars(real).slice(0, ISO_MAX), ext: '' };
  const dot = real.lastIndexOf('.');
  let base = dot >= 0 ? real.slice(0, dot) : real;
  let ext = dot >= 0 ? real.slice(dot + 1) : '';
  base = dchars(base);
  ext = dchars(ext).slice(0, 8);
  // name + ext may use 30 characters (31 with the separator dot)
  base = base.slice(0, 30 - ext.length);
  if (base === '' && ext === '') base = '_';
  return { base, ext };
}

/** Joliet forbids `* / : ; ? \` and control characters. */
function jolietParts(real: string, isDir: boolean): { base: string; ext: string } {
  const clean = real.replace(/[\u0000-\u001f*/:;?\\]/g, '_');
  const dot = isDir ? -1 : clean.lastIndexOf('.');
  if (dot <= 0 || clean.length - dot > 16) return { base: clean, ext: '' };
  return { base: clean.slice(0, dot), ext: clean.slice(dot) };
}

/** Cuts by code points so that the result never splits a surrogate pair. */
function cut(s: string, units: number): string {
  if (s.length <= units) return s;
  let out = '';
  for (const ch of s) {
    if (out.length + ch.length > units) break;
    out += ch;
  }
  return out;
}

function assign<T>(
  items: T[],
  realName: (t: T) => string,
  isDir: (t: T) => boolean,
  make: (base: string, ext: string, isDir: boolean, taken: Set<string>) => string,
): Array<{ item: T; name: string }> {
  const taken = new Set<string>();
  return items.map((item) => {
    const name = make(realName(item), '', isDir(item), taken);
    taken.add(name);
    return { item, name };
  });
}

function isoMake(real: string, _unused: string, isDir: boolean, taken: Set<string>): string {
  const { base, ext } = isoParts(real, isDir);
  const render = (b: string) => (isDir ? b : `${b}.${ext}`);
  let name = render(base);
  const room = isDir ? ISO_MAX : 30 - ext.length;
  for (let n = 1; taken.has(name); n++) {
    const tail = String(n).padStart(3, '0');
    name = render(base.slice(0, Math.max(0, room - tail.length)) + tail);
  }
  return name;
}

function jolietMake(real: string, _unused: string, isDir: boolean, taken: Set<string>): string {
  const { base, ext } = jolietParts(real, isDir);
  const room = JOLIET_MAX - ext.length;
  let name = cut(base, room) + ext;
  for (let n = 1; taken.has(name); n++) {
    const tail = String(n).padStart(3, '0');
    name = cut(base, room - tail.length) + tail + ext;
  }
  return name;
}

/** Code unit `i` of an identifier of 1- or 2-byte units. */
const unitAt = (id: Buffer, i: number, unit: 1 | 2) => (unit === 1 ? id[i] : (id[i] << 8) | id[i + 1]);

/** End of the name part (the first `.`, else the `;` or the end) and of the whole identifier before `;`. */
function splitPoints(id: Buffer, unit: 1 | 2): { dot: number; end: number } {
  let dot = -1;
  for (let i = 0; i + unit <= id.length; i += unit) {
    const c = unitAt(id, i, unit);
    if (c === 0x3b) return { dot, end: i };
    if (c === 0x2e && dot < 0) dot = i;
  }
  return { dot, end: id.length };
}

/** Compares id[a0..a1) with id[b0..b1) byte by byte, the shorter padded with spaces (UCS-2: 00 20). */
function padCmp(x: Buffer, x0: number, x1: number, y: Buffer, y0: number, y1: number, unit: 1 | 2): number {
  const n = Math.max(x1 - x0, y1 - y0);
  for (let i = 0; i < n; i++) {
    const pad = unit === 2 && i % 2 === 0 ? 0 : 0x20;
    const cx = x0 + i < x1 ? x[x0 + i] : pad;
    const cy = y0 + i < y1 ? y[y0 + i] : pad;
    if (cx !== cy) return cx - cy;
  }
  return 0;
}

/** ECMA-119 9.3 order: name then extension, each compared as if padded with spaces. */
export function compareIds(a: Buffer, b: Buffer, unit: 1 | 2): number {
  const sa = splitPoints(a, unit);
  const sb = splitPoints(b, unit);
  const aNameEnd = sa.dot < 0 ? sa.end : sa.dot;
  const bNameEnd = sb.dot < 0 ? sb.end : sb.dot;
  return (
    padCmp(a, 0, aNameEnd, b, 0, bNameEnd, unit) ||
    padCmp(a, sa.dot < 0 ? 0 : sa.dot + unit, sa.dot < 0 ? 0 : sa.end, b, sb.dot < 0 ? 0 : sb.dot + unit, sb.dot < 0 ? 0 : sb.end, unit)
  );
}

/** ISO9660 level 3 identifiers for one folder's children, unique and sorted. Files get `;1`. */
export function isoNames<T>(items: T[], realName: (t: T) => string, isDir: (t: T) => boolean): NamedChild<T>[] {
  return assign(items, realName, isDir, isoMake)
    .map(({ item, name }) => ({ item, id: Buffer.from(isDir(item) ? name : `${name};1`, 'latin1') }))
    .sort((x, y) => compareIds(x.id, y.id, 1));
}

/** Joliet identifiers (UCS-2BE) for one folder's children, unique and sorted; no `;1`, as xorriso. */
export function jolietNames<T>(items: T[], realName: (t: T) => string, isDir: (t: T) => boolean): NamedChild<T>[] {
  return assign(items, realName, isDir, jolietMake)
    .map(({ item, name }) => ({ item, id: ucs2be(name) }))
    .sort((x, y) => compareIds(x.id, y.id, 2));
}
