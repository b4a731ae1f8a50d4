// Writes deterministic layer tarballs: entries in the order given (callers sort),
// headers built only from LayerEntry fields (tar-header.ts), contents read from
// their source into one buffer that is hashed and written a few MiB at a time.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { LayerEntry } from './entry.js';
import type { Digest } from '../../cache/digest.js';
import { headerBlocks, padding, ZEROS } from './tar-header.js';

export type ContentSource = { file: string; start?: number } | { buffer: Buffer } | { stream: () => Readable };

export interface WritableEntry {
  entry: LayerEntry;
  content?: ContentSource;
}


/**
 * Buffered, hashing output: two 4 MiB buffers, one filling while the other is
 * written (write(2) in the thread pool overlaps reading and hashing the next);
 * every byte is hashed once on its way out.
 */
class TarOut {
  private readonly hash = createHash('sha256');
  private readonly bufs = [Buffer.allocUnsafe(4 << 20), Buffer.allocUnsafe(4 << 20)];
  private buf = this.bufs[0];
  private used = 0;
  private writing: Promise<void> = Promise.resolve();
  size = 0;

  constructor(private readonly fh: FileHandle) {}

  /** Room left in the buffer. */
  get free(): number {
    return this.buf.length - this.used;
  }

  async put(data: Buffer): Promise<void> {
    let off = 0;
    while (off < data.length) {
      if (!this.free) await this.flush();
      const n = data.copy(this.buf, this.used, off);
      this.used += n;
      off += n;
    }
  }

  /** Reads `len` bytes of `fh` at `pos` straight into the buffer. */
  async putFrom(fh: FileHandle, pos: number, len: number, what: string): Promise<void> {
    for (let done = 0; done < len; ) {
      if (!this.free) await this.flush();
      const want = Math.min(this.free, len - done);
      const { bytesRead } = await fh.read(this.buf, this.used, want, pos + done);
      if (bytesRead === 0) throw new Error(`${what} is shorter than its recorded size ${len}`);
      this.used += bytesRead;
      done += bytesRead;
    }
  }

  /** Hands the filled buffer to the writer and switches to the other one (once its write is done). */
  async flush(): Promise<void> {
    if (!this.used) return;
    const chunk = this.buf.subarray(0, this.used);
    this.hash.update(chunk);
    this.size += this.used;
    await this.writing;
    this.writing = this.writeAll(chunk);
    this.writing.catch(() => undefined); // surfaced by the next flush or by end()
    this.buf = this.buf === this.bufs[0] ? this.bufs[1] : this.bufs[0];
    this.used = 0;
  }

  private async writeAll(chunk: Buffer): Promise<void> {
    for (let off = 0; off < chunk.length; ) off += (await this.fh.write(chunk, off, chunk.length - off)).bytesWritten;
  }

  /** Flushes what is left and waits for the last write. */
  async end(): Promise<void> {
    await this.flush();
    await this.writing;
  }

  /** Lets a pending write finish (or fail) before the file is closed. */
  async settle(): Promise<void> {
    await this.writing.catch(() => undefined);
  }

  digest(): Digest {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

/** Small files are read ahead, a few at a time, while earlier entries are written. */
const READ_AHEAD = 16;
const SMALL = 256 << 10;

async function readSmall(src: { file: string; start?: number }, size: number): Promise<Buffer> {
  const fh = await fs.open(src.file, 'r');
  try {
    const buf = Buffer.allocUnsafe(size);
    for (let done = 0; done < size; ) {
      const { bytesRead } = await fh.read(buf, done, size - done, (src.start ?? 0) + done);
      if (bytesRead === 0) throw new Error(`${src.file} is shorter than its recorded size ${size}`);
      done += bytesRead;
    }
    return buf;
  } finally {
    await fh.close();
  }
}

async function writeBody(out: TarOut, w: WritableEntry, ahead: Promise<Buffer> | undefined): Promise<void> {
  const size = w.entry.size;
  if (ahead) {
    await out.put(await ahead);
  } else if (!w.content) {
    throw new Error(`no content for file ${w.entry.path}`);
  } else if ('buffer' in w.content) {
    if (w.content.buffer.length !== size) throw new Error(`content of ${w.entry.path} is ${w.content.buffer.length} bytes, not ${size}`);
    await out.put(w.content.buffer);
  } else if ('stream' in w.content) {
    let n = 0;
    for await (const chunk of w.content.stream()) {
      n += (chunk as Buffer).length;
      if (n > size) throw new Error(`content of ${w.entry.path} is longer than ${size} bytes`);
      await out.put(chunk as Buffer);
    }
    if (n !== size) throw new Error(`content of ${w.entry.path} is ${n} bytes, not ${size}`);
  } else {
    const fh = await fs.open(w.content.file, 'r');
    try {
      await out.putFrom(fh, w.content.start ?? 0, size, w.content.file);
    } finally {
      await fh.close();
    }
  }
  const pad = padding(size);
  if (pad) await out.put(pad);
}

/**
 * Writes entries as a tar to `outPath`; returns the sha256 digest and size of the tar.
 * The bytes are those tar-stream 3 writes for the same headers (layers keep their
 * digests), without its per-entry streams: headers and file contents go through one
 * buffer, hashed and written a few MiB at a time, small files read ahead.
 */
export async function writeLayerTar(entries: AsyncIterable<WritableEntry> | Iterable<WritableEntry>, outPath: string, signal?: AbortSignal): Promise<{ digest: Digest; size: number }> {
  const fh = await fs.open(outPath, 'w');
  const out = new TarOut(fh);
  const pending: Array<{ w: WritableEntry; ahead?: Promise<Buffer> }> = [];
  const readAhead = (w: WritableEntry): Promise<Buffer> | undefined => {
    const c = w.content;
    if (w.entry.type !== 'file' || !c || !('file' in c) || w.entry.size === 0 || w.entry.size > SMALL) return undefined;
    const p = readSmall(c, w.entry.size);
    p.catch(() => undefined); // awaited in order below; an early failure must not be unhandled
    return p;
  };
  const writeOne = async ({ w, ahead }: { w: WritableEntry; ahead?: Promise<Buffer> }): Promise<void> => {
    signal?.throwIfAborted();
    for (const b of headerBlocks(w.entry)) await out.put(b);
    if (w.entry.type === 'file' && w.entry.size > 0) await writeBody(out, w, ahead);
  };
  try {
    for await (const w of entries) {
      pending.push({ w, ahead: readAhead(w) });
      if (pending.length >= READ_AHEAD) await writeOne(pending.shift()!);
    }
    while (pending.length) await writeOne(pending.shift()!);
    signal?.throwIfAborted();
    await out.put(ZEROS);
    await out.end();
    await fh.close();
  } catch (e) {
    await out.settle();
    await fh.close().catch(() => undefined);
    // Half a tar is worth nothing: do not leave it behind (callers write to staging paths).
    await fs.rm(outPath, { force: true });
    throw e;
  }
  return { digest: out.digest(), size: out.size };
}
