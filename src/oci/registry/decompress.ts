// Layer compressions we can read (tar, tar+gzip, tar+zstd) and a decoder stream for each.
import { PassThrough, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { MEDIA } from '../types.js';
import { UnsupportedMediaTypeError } from './errors.js';

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

/** A Transform that decodes `compression` (identity for 'none'). */
export function decoderFor(compression: Compression): Transform {
  if (compression === 'gzip') return createGunzip({ chunkSize: 1 << 18 });
  if (compression === 'zstd') return zstdStream();
  return new PassThrough({ highWaterMark: 1 << 20 });
}

function zstdStream(): Transform {
  // fzstd may reuse its output buffer: copy before handing it on.
  const d = new Decompress((data) => t.push(Buffer.from(data)));
  const t: Transform = new Transform({
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
  return t;
}
