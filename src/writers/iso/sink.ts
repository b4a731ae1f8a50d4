// The output file: a temp file beside the target, filled front to back through a small pool
// of 512 KiB chunk buffers. Host files are read straight into the chunks that cover their
// extents; a full chunk is handed to the hash (a worker thread, in image order) and written
// at once with one positioned write, while the next chunks fill. Renamed over the target only
// when complete. All-zero chunks become holes. Never holds more than the pool, whatever the
// image size.
//
// Where the time went, and what each choice here answers (2-core VM of docs/benchmarks.md):
// - Write size: copying into the page cache was most of the writer's CPU (48% of samples in
//   copy_folio_from_iter_atomic) with 4 MiB writes. A write of 2 MiB or more gets 2 MiB page
//   cache folios, and allocating those cost ~3 s of system time per GB there, against ~0.3 s
//   for writes of 1 MiB (measured with a bare write loop; dd bs=1M: 0.2 s).
// - Writing from where the bytes were just read: a chunk is written synchronously by the
//   thread that filled it, while it is still in that core's cache. Against 1 MiB chunks
//   written on the thread pool this took ~0.6 s less system time per GB (1.0 vs 1.4-1.9 s)
//   and ~20% less time; it also avoids two writes to one file serializing on its inode lock
//   (the second one spun on it: 13% of samples). A background datasync every 64 MiB bounds
//   the dirty pages, so a write does not stall on writeback.
// - The sha256 of the image (the engine's blob digest) is ~1 s of CPU per GB: it runs on a
//   worker thread over the shared chunk memory, beside the reads and the writes.
// - Reads: an open, a read and a close through the thread pool cost three callbacks and
//   promises each on the main thread, and queued behind the writes on libuv's four threads
//   (measured: 1.6-2.2 s of the main thread waiting for big files' reads per GB). Host files
//   are read synchronously instead, a chunk at a time, the event loop turning between chunks.
//   The tree is in the page cache right after it was materialized; a cold tree is read one
//   request at a time, as xorriso does.
// O_DIRECT was tried: no copy at all, but this virtual disk took 1.6-2.2 s per GB that way
// against 0.8-1.0 s through the page cache (dd, same minutes), and our writer was slower too.
import { closeSync, close, fdatasync, ftruncate, open, openSync, readSync, writeSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { IsoAbortedError, IsoSourceChangedError } from './errors.js';

const CHUNK = 512 << 10;
/**
 * Chunk buffers (16 MiB): one filling, the rest waiting for the hash. Kept small on purpose:
 * on the benchmark VM every first touch of a page costs tens of µs.
 */
const POOL = 32;
const ZERO = Buffer.alloc(CHUNK);
/**
 * A datasync in the background after every 64 MiB written, so the disk starts writing while
 * we read and hash instead of all at the end (measured: ~1.0 s for 1 GB with it, 2.2-2.9 s
 * with only the final sync).
 */
const SYNC_EVERY = 64 << 20;

const fsOpen = (path: string, flags: string | number) =>
  new Promise<number>((res, rej) => open(path, flags, (e, fd) => (e ? rej(e) : res(fd))));
const fsClose = (fd: number) => new Promise<void>((res, rej) => close(fd, (e) => (e ? rej(e) : res())));
const fsSync = (fd: number) => new Promise<void>((res, rej) => fdatasync(fd, (e) => (e ? rej(e) : res())));
const fsTruncate = (fd: number, len: number) => new Promise<void>((res, rej) => ftruncate(fd, len, (e) => (e ? rej(e) : res())));
const nextTurn = () => new Promise<void>((res) => setImmediate(res));

const HASHER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const hash = require('node:crypto').createHash('sha256');
const mem = new Uint8Array(workerData);
parentPort.on('message', (m) => {
  if (m === null) parentPort.postMessage(hash.digest('hex'));
  else {
    hash.update(mem.subarray(m[0], m[0] + m[1]));
    parentPort.postMessage(0);
  }
});
`;

/** sha256 of ranges of the shared pool, in the order given, on a worker thread. */
class Hasher {
  private readonly worker: Worker;
  /** Resolvers of the updates and the digest in flight, in order (the worker answers in order). */
  private readonly waiting: Array<{ res: (v: unknown) => void; rej: (e: unknown) => void }> = [];
  private error: unknown;

  constructor(memory: SharedArrayBuffer) {
    this.worker = new Worker(HASHER_SOURCE, { eval: true, workerData: memory, resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1 } });
    this.worker.on('message', (m: unknown) => {
      this.waiting.shift()?.res(m);
      if (this.waiting.length === 0) this.worker.unref();
    });
    const fail = (e: unknown) => {
      this.error ??= e;
      for (const w of this.waiting.splice(0)) w.rej(e);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`internal: the ISO hash worker exited (code ${code})`)));
    this.worker.unref();
  }

  private ask(m: unknown): Promise<unknown> {
    if (this.error !== undefined) return Promise.reject(this.error);
    return new Promise((res, rej) => {
      // referenced only while answers are awaited: an idle worker never keeps the process alive
      if (this.waiting.length === 0) this.worker.ref();
      this.waiting.push({ res, rej });
      this.worker.postMessage(m);
    });
  }

  update(buf: Buffer, len: number): Promise<unknown> {
    return this.ask([buf.byteOffset, len]);
  }

  async digest(): Promise<string> {
    return (await this.ask(null)) as string;
  }

  async stop(): Promise<void> {
    this.error ??= new Error('stopped');
    await this.worker.terminate();
  }
}

interface Chunk {
  buf: Buffer;
  /** Image offset of the chunk's first byte. */
  start: number;
  fill: number;
  /** Whether anything but zeros() went into it (a chunk of only zeros() is known to be a hole). */
  dirty: boolean;
}

const shrank = (hostPath: string, size: number, got: number) =>
  new IsoSourceChangedError(`"${hostPath}" shrank while the ISO was written (expected ${size} bytes, got ${got})`, {
    hint: 'Do not modify the source tree while an image is being written.',
  });

export class ImageSink {
  private readonly free: Buffer[] = [];
  /** The chunk being filled. */
  private cur: Chunk | undefined;
  /** Chunks handed out and not yet free again (being filled, or waiting for the hash). */
  private busyChunks = 0;
  private bufferWaiter: (() => void) | undefined;
  /** Every operation in flight, so that discard() can wait for them before removing the file. */
  private readonly inflight = new Set<Promise<unknown>>();
  private error: unknown;
  private idle: (() => void) | undefined;
  private allocated = 0;
  private unsynced = 0;
  private syncing = false;
  /** The chunk pool, shared with the hash worker; its pages are only backed once touched. */
  private readonly memory = new SharedArrayBuffer(POOL * CHUNK);
  private readonly hasher = new Hasher(this.memory);
  /** Bytes emitted so far. */
  pos = 0;

  private constructor(
    private readonly fd: number,
    private readonly tmpPath: string,
    private readonly outPath: string,
    private readonly signal: AbortSignal | undefined,
  ) {}

  static async open(outPath: string, signal?: AbortSignal): Promise<ImageSink> {
    const tmp = join(dirname(outPath), `.${basename(outPath)}.${process.pid}.${Date.now().toString(36)}.tmp`);
    return new ImageSink(await fsOpen(tmp, 'w'), tmp, outPath, signal);
  }

  private fail(e: unknown): void {
    this.error ??= e;
    this.bufferWaiter?.();
    this.idle?.();
  }

  private check(): void {
    if (this.signal?.aborted) {
      this.fail(new IsoAbortedError('ISO writing was aborted; the partial output was removed', { cause: this.signal.reason }));
    }
    if (this.error !== undefined) throw this.error;
  }

  private track(p: Promise<unknown>): void {
    const t: Promise<unknown> = p.then(
      () => this.inflight.delete(t),
      (e: unknown) => {
        this.inflight.delete(t);
        this.fail(e);
      },
    );
    this.inflight.add(t);
  }

  /** The chunk being filled, taking a free buffer (waiting for one) when the last one is full. */
  private async chunk(): Promise<Chunk> {
    if (this.cur && this.cur.fill < CHUNK) return this.cur;
    if (this.cur) {
      this.seal(this.cur);
      // let completed hashes and syncs be seen between chunks: every call of the caller
      // (reads, writes, metadata) otherwise finishes synchronously
      await nextTurn();
    }
    let buf = this.free.pop();
    while (!buf) {
      this.check();
      if (this.allocated < POOL) {
        buf = Buffer.from(this.memory, this.allocated * CHUNK, CHUNK);
        this.allocated++;
      } else {
        await new Promise<void>((res) => (this.bufferWaiter = res));
        this.bufferWaiter = undefined;
        buf = this.free.pop();
      }
    }
    this.check();
    this.busyChunks++;
    this.cur = { buf, start: this.pos, fill: 0, dirty: false };
    return this.cur;
  }

  /**
   * Hands a full (or the last) chunk to the hash, in image order, and writes it here and now
   * unless it is all zeros (a hole). The buffer is free again once hashed.
   */
  private seal(c: Chunk): void {
    if (this.cur === c) this.cur = undefined;
    if (this.error !== undefined) return;
    const zero = !c.dirty || c.buf.subarray(0, c.fill).equals(ZERO.subarray(0, c.fill));
    this.track(this.hasher.update(c.buf, c.fill).then(() => this.done(c)));
    if (zero) return;
    try {
      for (let off = 0; off < c.fill; ) off += writeSync(this.fd, c.buf, off, c.fill - off, c.start + off);
    } catch (e) {
      this.fail(e);
      return;
    }
    this.unsynced += c.fill;
    if (this.unsynced >= SYNC_EVERY && !this.syncing) {
      this.unsynced = 0;
      this.syncing = true;
      this.track(fsSync(this.fd).finally(() => {
        this.syncing = false;
        if (this.busyChunks === 0) this.idle?.();
      }));
    }
  }

  /** A chunk is hashed: its buffer is free. */
  private done(c: Chunk): void {
    this.busyChunks--;
    this.free.push(c.buf);
    this.bufferWaiter?.();
    if (this.busyChunks === 0 && !this.syncing) this.idle?.();
  }

  async write(data: Buffer): Promise<void> {
    let off = 0;
    while (off < data.length) {
      const c = await this.chunk();
      const n = Math.min(CHUNK - c.fill, data.length - off);
      data.copy(c.buf, c.fill, off, off + n);
      c.fill += n;
      c.dirty = true;
      off += n;
      this.pos += n;
    }
  }

  async zeros(count: number): Promise<void> {
    while (count > 0) {
      const c = await this.chunk();
      const n = Math.min(CHUNK - c.fill, count);
      c.buf.fill(0, c.fill, c.fill + n);
      c.fill += n;
      count -= n;
      this.pos += n;
    }
  }

  /** Pads with zeros up to absolute byte offset `to`. */
  async padTo(to: number): Promise<void> {
    if (to < this.pos) throw new Error(`internal: ISO layout overlap at byte ${this.pos} > ${to}`);
    await this.zeros(to - this.pos);
  }

  /**
   * Copies `size` bytes of a host file into the next bytes of the image, reading straight into
   * the chunks that cover them. A read error or a file that shrank surfaces on a later call or
   * in finish(), like a failed write.
   *
   * Each piece (the part of the file in one chunk) is read through a descriptor of its own.
   * One descriptor read from start to end lets the kernel's sequential readahead grow its
   * window, and when the pages are not cached yet (a cold or sparse file) that cost 1.6-6 s of
   * system time per 2 GB on the benchmark VM, against 0.2-0.5 s piece by piece; a warm file
   * pays ~0.1 s per GB for the extra opens.
   */
  async copyFile(hostPath: string, size: number): Promise<void> {
    try {
      for (let done = 0; done < size; ) {
        const c = await this.chunk();
        const n = Math.min(CHUNK - c.fill, size - done);
        const fd = openSync(hostPath, 'r');
        try {
          for (let got = 0; got < n; ) {
            const r = readSync(fd, c.buf, c.fill + got, n - got, done + got);
            if (r === 0) throw shrank(hostPath, size, done + got);
            got += r;
          }
        } finally {
          closeSync(fd);
        }
        c.fill += n;
        c.dirty = true;
        done += n;
        this.pos += n;
      }
    } catch (e) {
      this.fail(e);
    }
  }

  /** Completes the file: flush, set its size, sync, rename over the target. */
  async finish(): Promise<{ size: number; sha256: string }> {
    if (this.cur) this.seal(this.cur);
    while (this.busyChunks > 0 || this.syncing) {
      this.check();
      await new Promise<void>((res) => (this.idle = res));
      this.idle = undefined;
    }
    this.check();
    const sha256 = await this.hasher.digest();
    await this.hasher.stop();
    await fsTruncate(this.fd, this.pos);
    await fsSync(this.fd);
    await fsClose(this.fd);
    this.check();
    await rename(this.tmpPath, this.outPath);
    return { size: this.pos, sha256 };
  }

  /** Drops the temp file after an error; never throws over the original error. */
  async discard(): Promise<void> {
    this.fail(new Error('discarded'));
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    await this.hasher.stop().catch(() => undefined);
    await fsClose(this.fd).catch(() => undefined);
    await rm(this.tmpPath, { force: true });
  }
}
