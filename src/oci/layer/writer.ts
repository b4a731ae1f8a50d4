// Writes deterministic layer tarballs: entries in the order given (callers sort),
// headers built only from LayerEntry fields, contents streamed from their source.
import tar from 'tar-stream';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import type { LayerEntry } from './entry.js';
import type { Digest } from '../../cache/digest.js';

export type ContentSource = { file: string; start?: number } | { buffer: Buffer } | { stream: () => Readable };

export interface WritableEntry {
  entry: LayerEntry;
  content?: ContentSource;
}

function headerOf(e: LayerEntry): tar.Header {
  const pax: Record<string, string> = {};
  for (const [k, v] of Object.entries(e.xattrs ?? {})) pax[`SCHILY.xattr.${k}`] = v;
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
    ...(Object.keys(pax).length ? { pax } : {}),
  } as tar.Header;
}

function openContent(src: ContentSource, size: number): Readable | Buffer {
  if ('buffer' in src) return src.buffer;
  if ('stream' in src) return src.stream();
  const start = src.start ?? 0;
  return createReadStream(src.file, { start, end: size > 0 ? start + size - 1 : start, highWaterMark: 1 << 20 });
}

async function addEntry(pack: tar.Pack, w: WritableEntry): Promise<void> {
  const header = headerOf(w.entry);
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
    const sink = pack.entry(header, (err) => (err ? rej(err) : res()));
    body.on('error', rej);
    body.pipe(sink);
  });
}

/** Writes entries as a tar to `outPath`; returns the sha256 digest and size of the tar. */
export async function writeLayerTar(entries: AsyncIterable<WritableEntry> | Iterable<WritableEntry>, outPath: string, signal?: AbortSignal): Promise<{ digest: Digest; size: number }> {
  const pack = tar.pack();
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  const done = pipeline(pack, tap, createWriteStream(outPath), { signal });
  try {
    for await (const w of entries) {
      signal?.throwIfAborted();
      await addEntry(pack, w);
    }
    pack.finalize();
  } catch (e) {
    pack.destroy(e as Error);
    await done.catch(() => undefined);
    throw e;
  }
  await done;
  return { digest: `sha256:${hash.digest('hex')}`, size };
}
