// The header blocks of a layer tar entry, byte for byte what tar-stream 3 wrote
// for our headers (its ustar encoding, its own pax header for long or non-ASCII
// names), plus our pax header for binary xattrs and ids above ustar's range.
import type { LayerEntry } from './entry.js';

/** The header fields tar-stream 3 took from us; the bytes written are still its encoding. */
interface TarHeader {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  size: number;
  mtime: Date;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}


/** tar-stream writes uid/gid as 6 octal digits and silently saturates above this. */
const MAX_USTAR_ID = 0o777777;

function headerOf(e: LayerEntry): TarHeader {
  return {
    name: e.type === 'directory' ? `${e.path}/` : e.path,
    type: e.type,
    mode: e.mode & 0o7777,
    uid: e.uid,
    gid: e.gid,
    uname: '',
    gname: '',
    size: e.type === 'file' ? e.size : 0,
    mtime: new Date(e.mtime * 1000),
    ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
    ...(e.devmajor !== undefined ? { devmajor: e.devmajor, devminor: e.devminor ?? 0 } : {}),
  };
}

/** One pax record, `<len> <key>=<value>\n`, where len counts its own digits. */
function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let digits = 1;
  while (String(digits + body.length).length !== digits) digits++;
  return Buffer.concat([Buffer.from(String(digits + body.length)), body]);
}

function octal(buf: Buffer, value: number, off: number, digits: number): void {
  buf.write(`${value.toString(8).padStart(digits, '0')} `, off, 'ascii');
}

/** The ustar header (typeflag 'x') announcing a pax extended header of `size` bytes. */
function paxHeaderBlock(size: number, mtime: number): Buffer {
  const b = Buffer.alloc(512);
  b.write('PaxHeader', 0, 'ascii');
  octal(b, 0o644, 100, 6);
  octal(b, 0, 108, 6);
  octal(b, 0, 116, 6);
  octal(b, size, 124, 11);
  octal(b, mtime, 136, 11);
  b.write('x', 156, 'ascii');
  b.write('ustar\0', 257, 'ascii');
  b.write('00', 263, 'ascii');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  octal(b, sum, 148, 6);
  return b;
}

/** An ASCII stand-in of at most 99 bytes for the ustar name fields when pax holds the real one. */
function ustarPlaceholder(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '_').slice(-99);
}

/**
 * tar-stream's own pax support encodes every value as UTF-8, which corrupts binary
 * xattr values (security.capability has bytes >= 0x80), and it cannot carry ids
 * above 0o777777. Entries that need either get a pax header written here, raw
 * bytes and all, with path/linkpath in it so tar-stream adds no second one.
 */
function customPax(e: LayerEntry, header: TarHeader): Buffer | undefined {
  const xattrs = Object.entries(e.xattrs ?? {});
  if (!xattrs.length && e.uid <= MAX_USTAR_ID && e.gid <= MAX_USTAR_ID) return undefined;
  const records = [paxRecord('path', Buffer.from(header.name))];
  if (header.linkname !== undefined) records.push(paxRecord('linkpath', Buffer.from(header.linkname)));
  if (e.uid > MAX_USTAR_ID) records.push(paxRecord('uid', Buffer.from(String(e.uid))));
  if (e.gid > MAX_USTAR_ID) records.push(paxRecord('gid', Buffer.from(String(e.gid))));
  for (const [k, v] of xattrs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) records.push(paxRecord(`SCHILY.xattr.${k}`, Buffer.from(v, 'latin1')));
  header.name = ustarPlaceholder(header.name);
  if (header.linkname !== undefined) header.linkname = ustarPlaceholder(header.linkname);
  header.uid = Math.min(e.uid, MAX_USTAR_ID);
  header.gid = Math.min(e.gid, MAX_USTAR_ID);
  return Buffer.concat(records);
}

/** tar-stream's field encoding: zero-padded octal and a space; all 7s when it does not fit. */
function encodeOct(val: number, n: number): string {
  const s = val.toString(8);
  if (s.length > n) return `${'7'.repeat(n)} `;
  return `${'0'.repeat(n - s.length)}${s} `;
}

/** tar-stream's pax record length prefix (its float arithmetic, kept for identical bytes). */
function addLength(str: string): string {
  const len = Buffer.byteLength(str);
  let digits = Math.floor(Math.log(len) / Math.log(10)) + 1;
  if (len + digits >= Math.pow(10, digits)) digits++;
  return `${len + digits}${str}`;
}

const TYPEFLAG: Record<string, number> = { file: 0, link: 1, symlink: 2, 'character-device': 3, 'block-device': 4, directory: 5, fifo: 6, 'pax-header': 72 };

interface HeaderFields {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}

/** One ustar header block exactly as tar-stream 3 encodes it, or null when the names need pax. */
function ustarBlock(h: HeaderFields): Buffer | null {
  let name = h.name;
  let prefix = '';
  if (Buffer.byteLength(name) !== name.length) return null;
  while (name.length > 100) {
    const i = name.indexOf('/');
    if (i === -1) return null;
    prefix += prefix ? `/${name.slice(0, i)}` : name.slice(0, i);
    name = name.slice(i + 1);
  }
  if (name.length > 100 || prefix.length > 155) return null;
  if (h.linkname && Buffer.byteLength(h.linkname) > 100) return null;
  const b = Buffer.alloc(512);
  b.write(name, 0);
  b.write(encodeOct(h.mode & 0o7777, 6), 100);
  b.write(encodeOct(h.uid, 6), 108);
  b.write(encodeOct(h.gid, 6), 116);
  if (h.size.toString(8).length > 11) {
    b[124] = 0x80;
    let num = h.size;
    for (let i = 11; i > 0; i--) {
      b[124 + i] = num & 0xff;
      num = Math.floor(num / 0x100);
    }
  } else b.write(encodeOct(h.size, 11), 124);
  b.write(encodeOct(h.mtime | 0, 11), 136);
  b[156] = 48 + (TYPEFLAG[h.type] ?? 0);
  if (h.linkname) b.write(h.linkname, 157);
  b.write('ustar\0', 257, 'latin1');
  b.write('00', 263, 'latin1');
  b.write(encodeOct(h.devmajor || 0, 6), 329);
  b.write(encodeOct(h.devminor || 0, 6), 337);
  if (prefix) b.write(prefix, 345);
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += b[i];
  for (let i = 156; i < 512; i++) sum += b[i];
  b.write(encodeOct(sum, 6), 148);
  return b;
}

export const ZEROS = Buffer.alloc(1024);

export function padding(size: number): Buffer | undefined {
  const r = size & 511;
  return r ? ZEROS.subarray(0, 512 - r) : undefined;
}

/** The header blocks of an entry: tar-stream's defaults, and its own pax header for names ustar cannot hold. */
export function headerBlocks(e: LayerEntry): Buffer[] {
  const th = headerOf(e);
  const out: Buffer[] = [];
  const pax = customPax(e, th);
  if (pax) out.push(paxHeaderBlock(pax.length, e.mtime), pax, ZEROS.subarray(0, (512 - (pax.length % 512)) % 512));
  const h: HeaderFields = {
    name: th.name,
    type: e.type,
    mode: th.mode || (e.type === 'directory' ? 0o755 : 0o644),
    uid: th.uid ?? 0,
    gid: th.gid ?? 0,
    size: e.type === 'file' ? e.size : 0,
    mtime: e.mtime,
    linkname: th.linkname,
    devmajor: th.devmajor,
    devminor: th.devminor,
  };
  const block = ustarBlock(h);
  if (block) {
    out.push(block);
    return out;
  }
  let records = '';
  if (h.name) records += addLength(` path=${h.name}\n`);
  if (h.linkname) records += addLength(` linkpath=${h.linkname}\n`);
  const paxBody = Buffer.from(records);
  const paxHead: HeaderFields = { ...h, name: 'PaxHeader', type: 'pax-header', size: paxBody.length, linkname: h.linkname ? 'PaxHeader' : h.linkname };
  out.push(ustarBlock(paxHead)!, paxBody);
  const pad = padding(paxBody.length);
  if (pad) out.push(pad);
  out.push(ustarBlock({ ...paxHead, size: h.size, type: h.type })!);
  return out;
}

