// File identifiers of the two non-Rock-Ridge trees: ISO9660 level 3 (d-characters, 31
// characters, `NAME.EXT;1`) and Joliet (UCS-2, 64 characters). Names that clash after
// mangling get a numbered tail, as xorriso does; Rock Ridge still carries the real name.
import { ucs2Chars } from './fields.js';

/**
 * A child and its identifier, kept as a string: ISO9660 identifiers are ASCII (one byte a
 * character), Joliet ones UCS-2 (two bytes a code unit, big-endian). Strings cost a fraction
 * of a Buffer each, which matters at tens of thousands of entries; see idBytes/writeId.
 */
export interface NamedChild<T> {
  item: T;
  id: string;
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

/**
 * A key whose plain string order is the ECMA-119 9.3 order of identifiers: the name part
 * (before the first `.`) then the extension part (up to `;`), each compared as if padded with
 * spaces. Every character of an identifier is at least U+0020 (d-characters; Joliet replaces
 * control characters), so padding with spaces compares like dropping trailing spaces (an
 * empty extension like none), and a U+0000 separator sorts a shorter name part first. UTF-16 code unit order
 * is the byte order of UCS-2BE, so the same key serves both trees.
 */
export function idSortKey(id: string): string {
  let end = id.indexOf(';');
  if (end < 0) end = id.length;
  let dot = id.indexOf('.');
  if (dot > end) dot = -1;
  const trim = (from: number, to: number) => {
    while (to > from && id.charCodeAt(to - 1) === 0x20) to--;
    return id.slice(from, to);
  };
  if (dot < 0) return trim(0, end);
  const ext = trim(dot + 1, end);
  return ext === '' ? trim(0, dot) : trim(0, dot) + '\0' + ext;
}

/** ECMA-119 9.3 order of two identifiers of the same tree (see idSortKey). */
export function compareIds(a: string, b: string): number {
  const x = idSortKey(a);
  const y = idSortKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Sorts by identifier, stable, computing each key once. */
function sortById<T>(named: NamedChild<T>[]): NamedChild<T>[] {
  const keyed = named.map((n) => ({ n, k: idSortKey(n.id) }));
  keyed.sort((x, y) => (x.k < y.k ? -1 : x.k > y.k ? 1 : 0));
  return keyed.map((x) => x.n);
}

/** Bytes of an identifier as written: 1 a character, 2 for Joliet (`wide`) names; `\0` and `\1` (`.`, `..`, the root) are 1 byte in both trees. */
export function idBytes(id: string, wide: boolean): number {
  return wide && id.charCodeAt(0) > 1 ? 2 * id.length : id.length;
}

/** Writes an identifier at `off` (see idBytes); returns its length in bytes. */
export function writeId(buf: Buffer, off: number, id: string, wide: boolean): number {
  if (!wide || id.charCodeAt(0) <= 1) return buf.write(id, off, 'latin1');
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    buf[off + 2 * i] = c >> 8;
    buf[off + 2 * i + 1] = c & 0xff;
  }
  return 2 * id.length;
}

/** ISO9660 level 3 identifiers for one folder's children, unique and sorted. Files get `;1`. */
export function isoNames<T>(items: T[], realName: (t: T) => string, isDir: (t: T) => boolean): NamedChild<T>[] {
  return sortById(assign(items, realName, isDir, isoMake).map(({ item, name }) => ({ item, id: isDir(item) ? name : `${name};1` })));
}

/** Joliet identifiers (UCS-2, characters outside the BMP as `_`) for one folder's children, unique and sorted; no `;1`, as xorriso. */
export function jolietNames<T>(items: T[], realName: (t: T) => string, isDir: (t: T) => boolean): NamedChild<T>[] {
  return sortById(assign(items, realName, isDir, jolietMake).map(({ item, name }) => ({ item, id: ucs2Chars(name) })));
}
