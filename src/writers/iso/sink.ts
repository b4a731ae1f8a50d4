// The output file: a temp file beside the target, written front to back through two
// alternating 4 MiB buffers (one filling while the other is written), hashed as it goes,
// renamed over the target only when complete. All-zero chunks become holes.
import { createHash } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { IsoAbortedError, IsoSourceChangedError } from './errors.js';

const CHUNK = 4 << 20;
const ZERO = Buffer.alloc(CHUNK);
const SYNC_EVERY = 64 << 20;

export class ImageSink {
  private readonly hash = createHash('sha256');
  private bufs = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
  private cur = 0;
  private fill = 0;
  private filePos = 0;
  private pending: Promise<unknown> = Promise.resolve();
  /** A background datasync, so the disk writes while we read and hash instead of all at the end. */
  private syncing: Promise<unknown> | undefined;
  private unsynced = 0;
  private syncError: unknown;
  /** Bytes emitted so far. */
  pos = 0;

  private constructor(
    private readonly fh: FileHandle,
    private readonly tmpPath: string,
    private readonly outPath: string,
    private readonly signal?: AbortSignal,
  ) {}

  static async open(outPath: string, signal?: AbortSignal): Promise<ImageSink> {
    const tmp = join(dirname(outPath), `.${basename(outPath)}.${process.pid}.${Date.now().toString(36)}.tmp`);
    return new ImageSink(await open(tmp, 'w'), tmp, outPath, signal);
  }

  private checkAbort(): void {
    if (this.signal?.aborted) {
      throw new IsoAbortedError('ISO writing was aborted; the partial output was removed', { cause: this.signal.reason });
    }
  }

  private async flush(): Promise<void> {
    if (this.fill === 0) return;
    this.checkAbort();
    const chunk = this.bufs[this.cur].subarray(0, this.fill);
    this.hash.update(chunk);
    await this.pending;
    if (!chunk.equals(ZERO.subarray(0, chunk.length))) {
      const w = this.fh.write(chunk, 0, chunk.length, this.filePos);
      w.catch(() => undefined); // awaited at the next flush; never an unhandled rejection meanwhile
      this.pending = w;
    }
    this.filePos += chunk.length;
    this.unsynced += chunk.length;
    if (this.unsynced >= SYNC_EVERY && !this.syncing) {
      this.unsynced = 0;
      this.syncing = this.pending
        .then(() => this.fh.datasync())
        .then(
          () => (this.syncing = undefined),
          (e: unknown) => {
            this.syncError = e;
            this.syncing = undefined;
          },
        );
    }
    this.cur ^= 1;
    this.fill = 0;
  }

  async write(data: Buffer): Promise<void> {
    let off = 0;
    while (off < data.length) {
      const n = Math.min(CHUNK - this.fill, data.length - off);
      data.copy(this.bufs[this.cur], this.fill, off, off + n);
      this.fill += n;
      off += n;
      this.pos += n;
      if (this.fill === CHUNK) await this.flush();
    }
  }

  async zeros(count: number): Promise<void> {
    while (count > 0) {
      const n = Math.min(CHUNK - this.fill, count);
      this.bufs[this.cur].fill(0, this.fill, this.fill + n);
      this.fill += n;
      count -= n;
      this.pos += n;
      if (this.fill === CHUNK) await this.flush();
    }
  }

  /** Pads with zeros up to absolute byte offset `to`. */
  async padTo(to: number): Promise<void> {
    if (to < this.pos) throw new Error(`internal: ISO layout overlap at byte ${this.pos} > ${to}`);
    await this.zeros(to - this.pos);
  }

  /** Streams `size` bytes of a host file, reading straight into the output buffer. */
  async copyFile(hostPath: string, size: number): Promise<void> {
    const src = await open(hostPath, 'r');
    try {
      let done = 0;
      while (done < size) {
        const n = Math.min(CHUNK - this.fill, size - done);
        const { bytesRead } = await src.read(this.bufs[this.cur], this.fill, n, done);
        if (bytesRead === 0) {
          throw new IsoSourceChangedError(`"${hostPath}" shrank while the ISO was written (expected ${size} bytes, got ${done})`, {
            hint: 'Do not modify the source tree while an image is being written.',
          });
        }
        this.fill += bytesRead;
        done += bytesRead;
        this.pos += bytesRead;
        if (this.fill === CHUNK) await this.flush();
      }
    } finally {
      await src.close();
    }
  }

  /** Completes the file: flush, set its size, sync, rename over the target. */
  async finish(): Promise<{ size: number; sha256: string }> {
    await this.flush();
    await this.pending;
    await this.syncing;
    if (this.syncError) throw this.syncError;
    await this.fh.truncate(this.pos);
    await this.fh.datasync();
    await this.fh.close();
    this.checkAbort();
    await rename(this.tmpPath, this.outPath);
    return { size: this.pos, sha256: this.hash.digest('hex') };
  }

  /** Drops the temp file after an error; never throws over the original error. */
  async discard(): Promise<void> {
    await this.pending.catch(() => undefined);
    await this.syncing;
    await this.fh.close().catch(() => undefined);
    await rm(this.tmpPath, { force: true });
  }
}
