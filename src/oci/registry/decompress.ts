// Turns a downloaded layer blob (tar, tar+gzip, tar+zstd) into the uncompressed tar the
// store keeps, checking the result against the config's diff_id before it is published.
import { createReadStream } from 'node:fs';
import { promises as fs } from 'node:fs';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import type { Digest } from '../../cache/digest.js';
import { DigestMismatchError } from '../../cache/errors.js';
import type { CacheStore } from '../../cache/store.js';
import { MEDIA } from '../types.js';
import { InvalidImageError, RegistryDigestMismatchError, UnsupportedMediaTypeError } from './errors.js';

export type Compression = 'none' | 'gzip' | 'zstd';

export function compressionOf(mediaType: string, where: string): Compression {
  switch (mediaType) {
    case MEDIA.layerTar:
    case 'application/vnd.docker.image.rootfs.diff.tar':
      return 'none';
    case MEDIA.layerGzip:
    case MEDIA.dockerLayerGzip:
      return 'gzip';
    case MEDIA.layerZstd:
    case 'application/vnd.docker.image.rootfs.diff.tar.zstd':
      return 'zstd';
    default:
      throw new UnsupportedMediaTypeError(mediaType, where);
  }
}

function zstdStream(): Transform {
  let d: Decompress;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      try {
        d.push(chunk);
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
    flush(cb) {
      try {
        d.push(new Uint8Array(0), true);
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
  });
  // fzstd may reuse its output buffer: copy before handing it on.
  d = new Decompress((data) => t.push(Buffer.from(data)));
  return t;
}

/** Publishes `file` into the store as an uncompressed tar whose digest must be `diffId`; `file` is consumed. */
export async function storeLayer(store: CacheStore, file: string, compression: Compression, diffId: Digest, where: string): Promise<{ size: number }> {
  try {
    if (compression === 'none') return await store.putFile(file, diffId);
    const out = new PassThrough({ highWaterMark: 1 << 20 });
    const decoder = compression === 'gzip' ? createGunzip({ chunkSize: 1 << 18 }) : zstdStream();
    const feeding = pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), decoder, out).catch((e: Error) => {
      out.destroy(e);
    });
    const put = await store.putStream(out as Readable, diffId);
    await feeding;
    return { size: put.size };
  } catch (e) {
    if (e instanceof DigestMismatchError) throw new RegistryDigestMismatchError(e.expected, e.actual, `uncompressed ${where} (checked against the config's rootfs.diff_ids)`);
    if ((e as NodeJS.ErrnoException).code?.startsWith('Z_') || (e as Error).name === 'ZstdError' || /zstd|incorrect header|invalid/i.test((e as Error).message)) {
      throw new InvalidImageError(where, `it is not valid ${compression} (${(e as Error).message})`);
    }
    throw e;
  } finally {
    await fs.rm(file, { force: true });
  }
}
