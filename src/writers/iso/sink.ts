// The output file: a temp file beside the target, filled front to back through a small pool
// of 2 MiB chunk buffers. Host files are read straight into the chunks that cover their
// extents; a full chunk is handed to the hash (a worker thread, in image order) and to the
// disk, while the next chunks fill. Renamed over the target only when complete. All-zero
// chunks become holes. Never holds more than the pool, whatever the image size.
//
// Where the time went, and what each choice here answers (2-core VM of docs/benchmarks.md):
// - The page cache: copying the image into it was most of the writer's time
//   (copy_folio_from_iter_atomic, 30-48% of samples), and its cost swings with the state of
//   the host's memory: 0.2 s of system time per GB when recently freed pages are reused, 3-4 s
//   when fresh ones must be backed (dd conv=fdatasync: 0.8 s or 3.9 s for the same GB, minutes
//   apart). Where the file system allows it, the image is written with O_DIRECT from
//   page-aligned chunks instead: no copy, ~0.6 s of system time for the whole 1 GB tree, the
//   same every run, and the image does not push the user's files out of the page cache.
//   O_DIRECT writes run on the thread pool, two at a time, while the main thread reads on.
// - Through the page cache (the fallback), a write of 2 MiB or more gets 2 MiB folios, which
//   cost ~3 s of system time per GB against ~0.3 s for 1 MiB writes, so chunks go out in
//   512 KiB writes, synchronously, by the thread that filled them (still in that core's
//   cache; two writes at once serialize on the inode lock), and a background datasync every
//   64 MiB bounds the dirty pages.
// - The sha256 of the image (the engine's blob digest) is ~1 s of CPU per GB: it runs on a
//   worker thread over the shared chunk memory, beside the reads and the writes.
// - Reads: an open, a read and a close through the thread pool cost three callbacks and
//   promises each on the main thread, and queued behind the writes on libuv's four threads
//   (measured: 1.6-2.2 s of the main thread waiting for big files' reads per GB). Host files
//   are read synchronously instead, a chunk at a time, the event loop turning between chunks.
//   The tree is in the page cache right after it was materialized; a cold tree is read one
//   request at a time, as xorriso does.
import { closeSync, close, constants as fsConstants, fdatasync, ftruncate, open, openSync, readSync, write, writeSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { IsoAbortedError, IsoOutputError, IsoSourceChangedError } from './errors.js';
import { KairosError } from '../../errors/base.js';
import { isDiskFull } from '../../errors/output.js';

const CHUNK = 2 << 20;
/** O_DIRECT writes are padded to this (covers 512 and 4096-byte logical blocks); finish() truncates. */
const DIRECT_ALIGN = 4096;
/** O_DIRECT writes in flight: one on the disk while the next is submitted. */
const MAX_WRITES = 2;
/** Through the page cache, chunks go out in writes of this size (see above: 2 MiB folios). */
const BUFFERED_WRITE = 512 << 10;
/**
 * Chunk buffers (16 MiB): one filling, the rest waiting for the hash or the disk. Kept small
 * on purpose: on the benchmark VM every first touch of a page costs tens of µs.
 */
const POOL = 8;
const ZERO = Buffer.alloc(CHUNK);
/**
 * Through the page cache, a datasync in the background after every 64 MiB written, so the
 * disk starts writing while we read and hash instead of all at the end (measured: ~1.0 s for
 * 1 GB with it, 2.2-2.9 s with only the final sync). O_DIRECT leaves no dirty pages.
 */
const SYNC_EVERY = 64 << 20;

const fsOpen = (path: string, flags: string | number) =>
  new Promise<number>((res, rej) => open(path, flags, (e, fd) => (e ? rej(e) : res(fd))));
const fsClose = (fd: number) => new Promise<void>((res, rej) => close(fd, (e) => (e ? rej(e) : res())));
const fsSync = (fd: number) => new Promise<void>((res, rej) => fdatasync(fd, (e) => (e ? rej(e) : res())));
const fsTruncate = (fd: number, len: number) => new Promise<void>((res, rej) => ftruncate(fd, len, (e) => (e ? rej(e) : res())));
const fsWrite = (fd: number, b: Buffer, off: number, len: number, pos: number) =>
  new Promise<number>((res, rej) => write(fd, b, off, len, pos, (e, n) => (e ? rej(e) : res(n))));
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
  /** Of its hash and its write, how many are still to complete. */
  busy: number;
}

/**
 * Shared memory for the chunk pool (the hash worker reads it). O_DIRECT needs it page-aligned:
 * a WebAssembly memory starts on a page boundary. Either way its pages are only backed once
 * touched.
 */
function poolMemory(bytes: number): { memory: SharedArrayBuffer; aligned: boolean } {
  try {
    const pages = Math.ceil(bytes / 65536);
    return { memory: new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true }).buffer as unknown as SharedArrayBuffer, aligned: true };
  } catch {
    // e.g. node --jitless: no WebAssembly
    return { memory: new SharedArrayBuffer(bytes), aligned: false };
  }
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
  private readonly hasher: Hasher;
  /** O_DIRECT chunks sealed and waiting for a write slot, in image order. */
  private readonly toWrite: Chunk[] = [];
  private writes = 0;
  /** Bytes emitted so far. */
  pos = 0;

  private constructor(
    private readonly fd: number,
    private readonly tmpPath: string,
    private readonly outPath: string,
    private readonly signal: AbortSignal | undefined,
    /** The chunk pool, shared with the hash worker. */
    private readonly memory: SharedArrayBuffer,
    /** Whether the image is written with O_DIRECT (else through the page cache). */
    readonly direct: boolean,
  ) {
    this.hasher = new Hasher(memory);
  }

  /**
   * Opens the temp file, with O_DIRECT unless `direct` is false or the file system refuses it
   * (checked by writing one aligned block of zeros at offset 0, where the image starts anyway).
   */
  static async open(outPath: string, signal?: AbortSignal, opts: { direct?: boolean } = {}): Promise<ImageSink> {
    const tmp = join(dirname(outPath), `.${basename(outPath)}.${process.pid}.${Date.now().toString(36)}.tmp`);
    const { O_DIRECT, O_WRONLY, O_CREAT, O_TRUNC } = fsConstants;
    const { memory, aligned } = poolMemory(POOL * CHUNK);
    if ((opts.direct ?? true) && aligned && O_DIRECT !== undefined) {
      let fd: number | undefined;
      try {
        fd = await fsOpen(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT);
        await fsWrite(fd, Buffer.from(memory, 0, DIRECT_ALIGN), 0, DIRECT_ALIGN, 0);
        return new ImageSink(fd, tmp, outPath, signal, memory, true);
      } catch {
        // EINVAL (tmpfs, some FUSE and network file systems): the page cache it is
        if (fd !== undefined) await fsClose(fd).catch(() => undefined);
      }
    }
    return new ImageSink(await fsOpen(tmp, 'w'), tmp, outPath, signal, memory, false);
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

  /** A failed write, sync or rename of the image, as an error naming the image and what to do. */
  private outputError(e: unknown): unknown {
    if (e instanceof KairosError) return e;
    return new IsoOutputError(`cannot write the image "${this.outPath}": ${(e as Error)?.message ?? String(e)}`, {
      cause: e,
      hint: isDiskFull(e) ? `The file system holding "${dirname(this.outPath)}" is full (or over quota): free space there or write the image elsewhere.` : undefined,
    });
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
    this.cur = { buf, start: this.pos, fill: 0, dirty: false, busy: 0 };
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
    c.busy = zero || !this.direct ? 1 : 2;
    this.track(this.hasher.update(c.buf, c.fill).then(() => this.done(c)));
    if (zero) return;
    if (this.direct) {
      this.toWrite.push(c);
      this.drain();
      return;
    }
    try {
      for (let off = 0; off < c.fill; ) off += writeSync(this.fd, c.buf, off, Math.min(BUFFERED_WRITE, c.fill - off), c.start + off);
    } catch (e) {
      this.fail(this.outputError(e));
      return;
    }
    this.unsynced += c.fill;
    if (this.unsynced >= SYNC_EVERY && !this.syncing) {
      this.unsynced = 0;
      this.syncing = true;
      this.track(fsSync(this.fd).catch((e: unknown) => Promise.reject(this.outputError(e))).finally(() => {
        this.syncing = false;
        if (this.busyChunks === 0) this.idle?.();
      }));
    }
  }

  /**
   * Issues queued O_DIRECT writes in image order, MAX_WRITES at a time, on the thread pool:
   * they copy nothing, so the main thread goes on reading while the disk writes.
   */
  private drain(): void {
    while (this.error === undefined && this.writes < MAX_WRITES && this.toWrite.length > 0) {
      const c = this.toWrite.shift()!;
      this.writes++;
      let len = c.fill;
      if (len % DIRECT_ALIGN !== 0) {
        // only the last chunk can be short: pad it for O_DIRECT, finish() truncates the file
        const end = Math.ceil(len / DIRECT_ALIGN) * DIRECT_ALIGN;
        c.buf.fill(0, len, end);
        len = end;
      }
      this.track(
        this.writeAll(c.buf.subarray(0, len), c.start).then(() => {
          this.writes--;
          this.done(c);
          this.drain();
        }),
      );
    }
  }

  private async writeAll(data: Buffer, pos: number): Promise<void> {
    try {
      for (let off = 0; off < data.length; ) off += await fsWrite(this.fd, data, off, data.length - off, pos + off);
    } catch (e) {
      throw this.outputError(e);
    }
  }

  /** A chunk's hash or write is complete; after both, its buffer is free. */
  private done(c: Chunk): void {
    if (--c.busy > 0) return;
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
   * Copies `size` bytes of a host file, from byte `offset` on, into the next bytes of the image,
   * reading straight into the chunks that cover them. A read error or a file that shrank
   * surfaces on a later call or in finish(), like a failed write.
   *
   * Each piece (the part of the file in one chunk) is read through a descriptor of its own.
   * One descriptor read from start to end lets the kernel's sequential readahead grow its
   * window, and when the pages are not cached yet (a cold or sparse file) that cost 1.6-6 s of
   * system time per 2 GB on the benchmark VM, against 0.2-0.5 s piece by piece; a warm file
   * pays ~0.1 s per GB for the extra opens.
   */
  async copyFile(hostPath: string, size: number, offset = 0): Promise<void> {
    try {
      for (let done = 0; done < size; ) {
        const c = await this.chunk();
        const n = Math.min(CHUNK - c.fill, size - done);
        const fd = openSync(hostPath, 'r');
        try {
          for (let got = 0; got < n; ) {
            const r = readSync(fd, c.buf, c.fill + got, n - got, offset + done + got);
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
    try {
      await fsTruncate(this.fd, this.pos);
      await fsSync(this.fd);
      await fsClose(this.fd);
      this.check();
      await rename(this.tmpPath, this.outPath);
    } catch (e) {
      throw this.outputError(e);
    }
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
