// The content-addressed store: an OCI image layout (oci-layout, index.json,
// blobs/sha256) plus keys/ for step records. Every write is staged in tmp/ and
// published by rename after its digest is checked, so readers never see half a
// blob and two processes can share one cache directory.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { join, dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { digestTap, hexOf, sha256, type Digest } from './digest.js';
import { CacheDirError, DigestMismatchError } from './errors.js';
import { noteInput } from './journal/input-log.js';
import { ownedName } from './owned-name.js';
import { recordBlobSizes, type StepRecord } from './records.js';

export interface PutResult {
  digest: Digest;
  size: number;
}

export class CacheStore {
  private constructor(readonly root: string) {}

  static async open(root: string): Promise<CacheStore> {
    try {
      for (const d of ['blobs/sha256', 'keys', 'tmp', 'snapshots', 'git']) await fs.mkdir(join(root, d), { recursive: true });
      await writeIfAbsent(join(root, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
      await writeIfAbsent(join(root, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] }));
    } catch (e) {
      throw new CacheDirError(root, e);
    }
    return new CacheStore(root);
  }

  blobPath(digest: string): string {
    return join(this.root, 'blobs', 'sha256', hexOf(digest));
  }

  /** A fresh path under tmp/ for staging; the caller renames or deletes it. */
  tmpPath(label = 'stage'): string {
    return join(this.root, 'tmp', ownedName(label));
  }

  async hasBlob(digest: string): Promise<boolean> {
    try {
      await fs.access(this.blobPath(digest));
      return true;
    } catch {
      return false;
    }
  }

  async blobSize(digest: string): Promise<number | undefined> {
    try {
      return (await fs.stat(this.blobPath(digest))).size;
    } catch {
      return undefined;
    }
  }

  /** Streams data into the store; rejects (and stores nothing) if `expected` is given and differs. */
  async putStream(source: AsyncIterable<Buffer> | Readable, expected?: string): Promise<PutResult> {
    const tmp = this.tmpPath('blob');
    const tap = digestTap();
    try {
      await pipeline(source instanceof Readable ? source : Readable.from(source), tap.stream, createWriteStream(tmp));
      const { digest, size } = tap.result();
      if (expected && expected !== digest) throw new DigestMismatchError(expected, digest, 'a blob being stored');
      await this.publish(tmp, digest);
      return { digest, size };
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
  }

  async putBuffer(data: Buffer | string, expected?: string): Promise<PutResult> {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    const digest = sha256(buf);
    if (expected && expected !== digest) throw new DigestMismatchError(expected, digest, 'a blob being stored');
    if (!(await this.hasBlob(digest))) {
      const tmp = this.tmpPath('blob');
      await fs.writeFile(tmp, buf);
      await this.publish(tmp, digest);
    }
    return { digest, size: buf.length };
  }

  /** Moves a finished file (already hashed by the caller) into the store. */
  async putFile(path: string, digest: Digest): Promise<PutResult> {
    const size = (await fs.stat(path)).size;
    await this.publish(path, digest);
    return { digest, size };
  }

  private async publish(tmp: string, digest: Digest): Promise<void> {
    const dest = this.blobPath(digest);
    // rename is atomic; a concurrent writer of the same digest wrote the same bytes.
    await fs.rename(tmp, dest);
  }

  /** Reads a blob, verifying its digest. A bad blob is deleted and reported as missing. */
  async readBlob(digest: string): Promise<Buffer | undefined> {
    let data: Buffer;
    try {
      data = await fs.readFile(this.blobPath(digest));
    } catch {
      return undefined;
    }
    if (sha256(data) !== digest) {
      await this.quarantine(digest);
      return undefined;
    }
    return data;
  }

  openBlob(digest: string): Readable {
    return createReadStream(this.blobPath(digest), { highWaterMark: 1 << 20 });
  }

  /** Full re-hash of a blob; deletes it when bad so the next build rebuilds it. */
  async verifyBlob(digest: string): Promise<boolean> {
    const hash = createHash('sha256');
    try {
      for await (const chunk of this.openBlob(digest)) hash.update(chunk as Buffer);
    } catch {
      return false;
    }
    if (`sha256:${hash.digest('hex')}` === digest) return true;
    await this.quarantine(digest);
    return false;
  }

  private async quarantine(digest: string): Promise<void> {
    await fs.rm(this.blobPath(digest), { force: true });
  }

  recordPath(key: string): string {
    return join(this.root, 'keys', key.slice(0, 2), `${key}.json`);
  }

  /**
   * A record counts only if every blob it names is present with the right size;
   * otherwise it is a miss (never an error), as DESIGN.md requires.
   */
  async getRecord(key: string, opts: { touch?: boolean } = {}): Promise<StepRecord | undefined> {
    let record: StepRecord;
    try {
      record = JSON.parse(await fs.readFile(this.recordPath(key), 'utf8')) as StepRecord;
    } catch {
      return undefined;
    }
    for (const [d, expected] of recordBlobSizes(record)) {
      const size = await this.blobSize(d);
      if (size === undefined || (expected !== undefined && size !== expected)) return undefined;
    }
    if (opts.touch !== false) {
      const now = new Date();
      await fs.utimes(this.recordPath(key), now, now).catch(() => undefined);
    }
    return record;
  }

  async putRecord(record: StepRecord): Promise<void> {
    const path = this.recordPath(record.key);
    await fs.mkdir(dirname(path), { recursive: true });
    const tmp = this.tmpPath('record');
    await fs.writeFile(tmp, JSON.stringify(record));
    await fs.rename(tmp, path);
  }

  /** Last record written at a step position, for `--explain`. */
  async lastAtPosition(position: string): Promise<StepRecord | undefined> {
    try {
      const key = (await fs.readFile(this.positionPath(position), 'utf8')).trim();
      const raw = await fs.readFile(this.recordPath(key), 'utf8');
      return JSON.parse(raw) as StepRecord;
    } catch {
      return undefined;
    }
  }

  async setPosition(position: string, key: string): Promise<void> {
    const path = this.positionPath(position);
    await fs.mkdir(dirname(path), { recursive: true });
    const tmp = this.tmpPath('pos');
    await fs.writeFile(tmp, key);
    await fs.rename(tmp, path);
  }

  /** Remembered tag → digest resolutions (from() of a registry image). */
  async getTag(name: string): Promise<string | undefined> {
    noteInput(this.tagPath(name));
    try {
      return (await fs.readFile(this.tagPath(name), 'utf8')).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  async setTag(name: string, digest: string): Promise<void> {
    const path = this.tagPath(name);
    await fs.mkdir(dirname(path), { recursive: true });
    const tmp = this.tmpPath('tag');
    await fs.writeFile(tmp, digest);
    await fs.rename(tmp, path);
  }

  private tagPath(name: string): string {
    return join(this.root, 'tags', createHash('sha256').update(name).digest('hex').slice(0, 32));
  }

  private positionPath(position: string): string {
    return join(this.root, 'positions', createHash('sha256').update(position).digest('hex').slice(0, 32));
  }
}


async function writeIfAbsent(path: string, content: string): Promise<void> {
  try {
    await fs.writeFile(path, content, { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}
