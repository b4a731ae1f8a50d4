// Reads the headers of a tar file exactly as written: the raw entry name (not
// normalized, so extraction can refuse absolute and `..` names), pax records as
// raw bytes (xattr values such as security.capability are binary), and the byte
// offset of each entry's data. Extraction and the docker diff read through it.
import { promises as fs } from 'node:fs';
import type { EntryType, LayerEntry } from './entry.js';
import { TarFormatError } from './errors.js';

/** A LayerEntry as the tar stores it: the raw name, raw xattr bytes, and where its data is. */
export interface RawTarEntry extends Omit<LayerEntry, 'path' | 'xattrs'> {
  /** Name as stored (pax path, GNU long name, or ustar prefix + name). */
  name: string;
  /** xattrs from SCHILY.xattr.* pax records, values as raw bytes. */
  xattrs: Map<string, Buffer>;
  /** Byte offset of the data in the file. */
  offset: number;
}

const TYPES: Record<string, EntryType> = {
  '0': 'file', '\0': 'file', '7': 'file', '1': 'link', '2': 'symlink', '3': 'character-device', '4': 'block-device', '5': 'directory', '6': 'fifo',
};

function str(buf: Buffer, off: number, len: number): string {
  const end = buf.indexOf(0, off);
  return buf.toString('utf8', off, end === -1 || end > off + len ? off + len : end);
}

function num(buf: Buffer, off: number, len: number): number {
  if (buf[off] & 0x80) {
    let v = buf[off] & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + buf[off + i];
    return v;
  }
  const s = str(buf, off, len).trim();
  return s ? parseInt(s, 8) : 0;
}

/** pax records `<len> <key>=<value>\n`; values stay bytes. */
function parsePax(data: Buffer, into: Map<string, Buffer>): void {
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    if (sp === -1) break;
    const len = parseInt(data.toString('latin1', pos, sp), 10);
    if (!len || pos + len > data.length) break;
    const rec = data.subarray(sp + 1, pos + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq !== -1) into.set(rec.toString('utf8', 0, eq), Buffer.from(rec.subarray(eq + 1)));
    pos += len;
  }
}

/** Reads through a 1 MiB window: headers of small files sit close together, so most cost no syscall. */
class Window {
  private readonly mem = Buffer.allocUnsafe(1 << 20);
  private buf = Buffer.alloc(0);
  private start = 0;
  constructor(private readonly fh: fs.FileHandle, private readonly total: number) {}

  async read(pos: number, len: number): Promise<Buffer> {
    if (pos < this.start || pos + len > this.start + this.buf.length) {
      const size = Math.min(Math.max(len, 1 << 20), this.total - pos);
      // The window is reused: callers copy what they keep past the next read.
      const buf = size <= this.mem.length ? this.mem : Buffer.allocUnsafe(size);
      const { bytesRead } = await this.fh.read(buf, 0, size, pos);
      this.buf = buf.subarray(0, bytesRead);
      this.start = pos;
      if (bytesRead < len) throw new Error(`short read at ${pos}`);
    }
    return this.buf.subarray(pos - this.start, pos - this.start + len);
  }
}

export async function scanTar(path: string): Promise<RawTarEntry[]> {
  const fh = await fs.open(path, 'r');
  try {
    const total = (await fh.stat()).size;
    const win = new Window(fh, total);
    const out: RawTarEntry[] = [];
    let pos = 0;
    let pax = new Map<string, Buffer>();
    let longName: string | undefined;
    let longLink: string | undefined;
    while (pos + 512 <= total) {
      const header = await win.read(pos, 512);
      if (header.every((b) => b === 0)) break;
      const flag = String.fromCharCode(header[156]);
      const meta = flag === 'x' || flag === 'L' || flag === 'K' || flag === 'g';
      const paxSize = meta ? undefined : pax.get('size')?.toString('latin1');
      const size = paxSize ? Number(paxSize) : num(header, 124, 12);
      const dataOff = pos + 512;
      pos = dataOff + Math.ceil(size / 512) * 512;
      if (pos > total) throw new TarFormatError(path, `entry at ${dataOff - 512} runs past the end of the file`);
      if (flag === 'x' || flag === 'L' || flag === 'K') {
        const data = Buffer.from(await win.read(dataOff, size));
        if (flag === 'x') parsePax(data, pax);
        else if (flag === 'L') longName = str(data, 0, size);
        else longLink = str(data, 0, size);
        continue;
      }
      if (flag === 'g') continue;
      const type = TYPES[flag];
      if (!type) throw new TarFormatError(path, `unsupported entry type '${flag}'`);
      const prefix = header.subarray(257, 263).toString('latin1').startsWith('ustar') ? str(header, 345, 155) : '';
      const paxStr = (k: string): string | undefined => pax.get(k)?.toString('utf8');
      const xattrs = new Map<string, Buffer>();
      for (const [k, v] of pax) if (k.startsWith('SCHILY.xattr.')) xattrs.set(k.slice(13), v);
      out.push({
        name: paxStr('path') ?? longName ?? (prefix ? `${prefix}/${str(header, 0, 100)}` : str(header, 0, 100)),
        type,
        mode: num(header, 100, 8) & 0o7777,
        uid: paxStr('uid') ? Number(paxStr('uid')) : num(header, 108, 8),
        gid: paxStr('gid') ? Number(paxStr('gid')) : num(header, 116, 8),
        size: type === 'file' ? size : 0,
        mtime: Math.floor(paxStr('mtime') ? Number(paxStr('mtime')) : num(header, 136, 12)),
        linkname: type === 'symlink' || type === 'link' ? (paxStr('linkpath') ?? longLink ?? str(header, 157, 100)) : undefined,
        devmajor: type.endsWith('device') ? num(header, 329, 8) : undefined,
        devminor: type.endsWith('device') ? num(header, 337, 8) : undefined,
        xattrs,
        offset: dataOff,
      });
      pax = new Map();
      longName = longLink = undefined;
    }
    return out;
  } finally {
    await fh.close();
  }
}
