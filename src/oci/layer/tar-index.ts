// Random-access index of an uncompressed tar: each entry's header and the byte
// offset of its data. Flattening and artifact extraction use it to read any file
// of any layer without re-streaming the whole chain.
import { promises as fs } from 'node:fs';
import type { EntryType, LayerEntry } from './entry.js';
import { normalizeEntryPath } from './entry.js';
import { TarFormatError } from './errors.js';

export interface IndexedEntry {
  entry: LayerEntry;
  /** Byte offset of the entry's data in the tar. */
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
    // base-256 (GNU) for values that do not fit in octal
    let v = buf[off] & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + buf[off + i];
    return v;
  }
  const s = str(buf, off, len).trim();
  return s ? parseInt(s, 8) : 0;
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    if (sp === -1) break;
    const len = parseInt(data.toString('utf8', pos, sp), 10);
    if (!len) break;
    const rec = data.subarray(sp + 1, pos + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq !== -1) {
      const key = rec.toString('utf8', 0, eq);
      // xattr values are raw bytes (kept as latin1 strings); path, linkpath and the rest are UTF-8.
      out[key] = rec.toString(key.startsWith('SCHILY.xattr.') ? 'latin1' : 'utf8', eq + 1);
    }
    pos += len;
  }
  return out;
}

export async function indexTar(path: string): Promise<IndexedEntry[]> {
  const fh = await fs.open(path, 'r');
  try {
    const total = (await fh.stat()).size;
    const out: IndexedEntry[] = [];
    const header = Buffer.alloc(512);
    let pos = 0;
    let pax: Record<string, string> = {};
    let longName: string | undefined;
    let longLink: string | undefined;
    while (pos + 512 <= total) {
      await fh.read(header, 0, 512, pos);
      if (header.every((b) => b === 0)) break;
      const size = num(header, 124, 12);
      const flag = String.fromCharCode(header[156]);
      const dataOff = pos + 512;
      pos = dataOff + Math.ceil(size / 512) * 512;
      if (pos > total) throw new TarFormatError(path, `entry at ${dataOff - 512} runs past the end of the file`);
      if (flag === 'x' || flag === 'L' || flag === 'K') {
        const data = Buffer.alloc(size);
        await fh.read(data, 0, size, dataOff);
        if (flag === 'x') pax = { ...pax, ...parsePax(data) };
        else if (flag === 'L') longName = str(data, 0, size);
        else longLink = str(data, 0, size);
        continue;
      }
      if (flag === 'g') continue;
      const type = TYPES[flag];
      if (!type) throw new TarFormatError(path, `unsupported entry type '${flag}'`);
      const prefix = header.subarray(257, 263).toString('latin1').startsWith('ustar') ? str(header, 345, 155) : '';
      const rawName = pax.path ?? longName ?? (prefix ? `${prefix}/${str(header, 0, 100)}` : str(header, 0, 100));
      const name = normalizeEntryPath(rawName);
      const xattrs: Record<string, string> = {};
      for (const [k, v] of Object.entries(pax)) if (k.startsWith('SCHILY.xattr.')) xattrs[k.slice(13)] = v;
      if (name !== undefined) {
        out.push({
          offset: dataOff,
          entry: {
            path: name,
            type,
            mode: num(header, 100, 8) & 0o7777,
            uid: pax.uid ? Number(pax.uid) : num(header, 108, 8),
            gid: pax.gid ? Number(pax.gid) : num(header, 116, 8),
            size: type === 'file' ? (pax.size ? Number(pax.size) : size) : 0,
            mtime: Math.floor(pax.mtime ? Number(pax.mtime) : num(header, 136, 12)),
            linkname: type === 'symlink' || type === 'link' ? (pax.linkpath ?? longLink ?? str(header, 157, 100)) : undefined,
            devmajor: type.endsWith('device') ? num(header, 329, 8) : undefined,
            devminor: type.endsWith('device') ? num(header, 337, 8) : undefined,
            xattrs: Object.keys(xattrs).length ? xattrs : undefined,
          },
        });
      }
      pax = {};
      longName = longLink = undefined;
    }
    return out;
  } finally {
    await fh.close();
  }
}
