// Writes deterministic layer tarballs: entries in the order given (callers sort),
// headers built only from LayerEntry fields, contents streamed from their source.
import tar from 'tar-stream';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { LayerEntry } from './entry.js';
import { digestTap, type Digest } from '../../cache/digest.js';

export type ContentSource = { file: string; start?: number } | { buffer: Buffer } | { stream: () => Readable };

export interface WritableEntry {
  entry: LayerEntry;
  content?: ContentSource;
}

/** tar-stream writes uid/gid as 6 octal digits and silently saturates above this. */
const MAX_USTAR_ID = 0o777777;

function headerOf(e: LayerEntry): tar.Header {
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
  } as tar.Header;
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
function customPax(e: LayerEntry, header: tar.Header): Buffer | undefined {
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

function openContent(src: ContentSource, size: number): Readable | Buffer {
  if ('buffer' in src) return src.buffer;
  if ('stream' in src) return src.stream();
  const start = src.start ?? 0;
  return createReadStream(src.file, { start, end: size > 0 ? start + size - 1 : start, highWaterMark: 1 << 20 });
}

async function addEntry(pack: tar.Pack, w: WritableEntry): Promise<void> {
  const header = headerOf(w.entry);
  const pax = customPax(w.entry, header);
  // tar-stream entries of type 'pax-header' cannot carry a body, so the block goes into the
  // pack's output directly; the previous entry's callback ran, so its bytes are already queued.
  if (pax) pack.push(Buffer.concat([paxHeaderBlock(pax.length, w.entry.mtime), pax, Buffer.alloc((512 - (pax.length % 512)) % 512)]));
  if (w.entry.type !== 'file') {
    await new Promise<void>((res, rej) => pack.entry(header, (err) => (err ? rej(err) : res())));
    return;
  }
  if (w.entry.size === 0) {
    // tar-stream waits for a body on every 'file' entry, even an empty one; without it the pack hangs.
    await new Promise<void>((res, rej) => pack.entry(header, Buffer.alloc(0), (err) => (err ? rej(err) : res())));
    return;
  }
  if (!w.content) throw new Error(`no content for file ${w.entry.path}`);
  const body = openContent(w.content, w.entry.size);
  if (Buffer.isBuffer(body)) {
    await new Promise<void>((res, rej) => pack.entry(header, body, (err) => (err ? rej(err) : res())));
    return;
  }
  await new Promise<void>((res, rej) => {
    const fail = (err: Error) => {
      body.destroy();
      rej(err);
    };
    const sink = pack.entry(header, (err) => (err ? fail(err) : res()));
    // When the pack is destroyed (abort, disk error) the open entry errors too; without
    // a listener that error is uncaught and takes the whole process down.
    sink.on('error', fail);
    body.on('error', fail);
    body.pipe(sink);
  });
}

/** Writes entries as a tar to `outPath`; returns the sha256 digest and size of the tar. */
export async function writeLayerTar(entries: AsyncIterable<WritableEntry> | Iterable<WritableEntry>, outPath: string, signal?: AbortSignal): Promise<{ digest: Digest; size: number }> {
  const pack = tar.pack();
  const tap = digestTap();
  const done = pipeline(pack, tap.stream, createWriteStream(outPath), { signal });
  try {
    for await (const w of entries) {
      signal?.throwIfAborted();
      await addEntry(pack, w);
    }
    pack.finalize();
    await done;
  } catch (e) {
    pack.destroy(e as Error);
    await done.catch(() => undefined);
    // Half a tar is worth nothing: do not leave it behind (callers write to staging paths).
    await fs.rm(outPath, { force: true });
    throw e;
  }
  return tap.result();
}
