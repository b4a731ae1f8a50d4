// ECMA-119 field encodings (7.2/7.3 both-endian numbers, 8.4.26 and 9.1.5 dates, padded
// strings). Pure functions on buffers; no layout knowledge.

/** 7.2.3: 16-bit little-endian then big-endian. */
export function both16(buf: Buffer, off: number, v: number): void {
  buf.writeUInt16LE(v, off);
  buf.writeUInt16BE(v, off + 2);
}

/** 7.3.3: 32-bit little-endian then big-endian. */
export function both32(buf: Buffer, off: number, v: number): void {
  buf.writeUInt32LE(v >>> 0, off);
  buf.writeUInt32BE(v >>> 0, off + 4);
}

/** Clamps seconds to what a 1-byte "years since 1900" can hold. */
function clampDate(seconds: number): Date {
  const min = Date.UTC(1900, 0, 1) / 1000;
  const max = Date.UTC(2155, 11, 31, 23, 59, 59) / 1000;
  return new Date(Math.min(Math.max(seconds, min), max) * 1000);
}

/** 9.1.5: the 7-byte recording date of directory records, in UTC. */
export function dirDate(buf: Buffer, off: number, seconds: number): void {
  const d = clampDate(seconds);
  buf[off] = d.getUTCFullYear() - 1900;
  buf[off + 1] = d.getUTCMonth() + 1;
  buf[off + 2] = d.getUTCDate();
  buf[off + 3] = d.getUTCHours();
  buf[off + 4] = d.getUTCMinutes();
  buf[off + 5] = d.getUTCSeconds();
  buf[off + 6] = 0;
}

/** 8.4.26.1: the 17-byte volume date `YYYYMMDDhhmmsscc` + offset; undefined writes "not specified". */
export function volumeDate(buf: Buffer, off: number, seconds: number | undefined): void {
  if (seconds === undefined) {
    buf.write('0000000000000000', off, 'latin1');
    buf[off + 16] = 0;
    return;
  }
  const d = new Date(Math.min(Math.max(seconds, 0), Date.UTC(9999, 11, 31) / 1000) * 1000);
  const p = (n: number, w: number) => String(n).padStart(w, '0');
  const s = p(d.getUTCFullYear(), 4) + p(d.getUTCMonth() + 1, 2) + p(d.getUTCDate(), 2) +
    p(d.getUTCHours(), 2) + p(d.getUTCMinutes(), 2) + p(d.getUTCSeconds(), 2) + '00';
  buf.write(s, off, 'latin1');
  buf[off + 16] = 0;
}

/** An a-/d-character field: ASCII padded with spaces. */
export function asciiField(buf: Buffer, off: number, len: number, s: string): void {
  buf.fill(0x20, off, off + len);
  buf.write(s.slice(0, len), off, 'latin1');
}

/** A Joliet field: UCS-2 big-endian padded with U+0020. */
export function ucs2Field(buf: Buffer, off: number, len: number, s: string): void {
  for (let i = 0; i + 1 < len; i += 2) buf.writeUInt16BE(0x20, off + i);
  const enc = ucs2be(s);
  enc.copy(buf, off, 0, Math.min(enc.length, len & ~1));
}

/** The UCS-2 characters of a string: those outside the BMP become `_` (UCS-2 has no surrogates). */
export function ucs2Chars(s: string): string {
  return s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, '_');
}

/** UCS-2 big-endian; characters outside the BMP become `_`. */
export function ucs2be(s: string): Buffer {
  return Buffer.from(ucs2Chars(s), 'utf16le').swap16();
}
