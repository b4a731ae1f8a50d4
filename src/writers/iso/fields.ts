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

const DATE_MIN = Date.UTC(1900, 0, 1) / 1000;
const DATE_MAX = Date.UTC(2155, 11, 31, 23, 59, 59) / 1000;

/**
 * 9.1.5: the 7-byte recording date of directory records, in UTC, clamped to what a 1-byte
 * "years since 1900" can hold. Arithmetic instead of a Date per record: it runs twice for
 * every entry of the image (records and Rock Ridge TF). Days to civil date after H. Hinnant's
 * days_from_civil inverse (era of 400 years, March-based year).
 */
export function dirDate(buf: Buffer, off: number, seconds: number): void {
  const t = Math.floor(Math.min(Math.max(seconds, DATE_MIN), DATE_MAX));
  const days = Math.floor(t / 86400);
  const sod = t - days * 86400;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  buf[off] = year - 1900;
  buf[off + 1] = month;
  buf[off + 2] = day;
  buf[off + 3] = Math.floor(sod / 3600);
  buf[off + 4] = Math.floor((sod % 3600) / 60);
  buf[off + 5] = sod % 60;
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
