// One layer from the registry into the store in a single pass: bytes are hashed as they
// arrive (compressed digest), decoded, hashed again and written (diff id). The store only
// publishes the tar when both digests match; a corrupt blob is reported as a digest
// mismatch even when the decoder chokes on it first.
import { createHash } from 'node:crypto';
import type { Digest } from '../../cache/digest.js';
import { DigestMismatchError } from '../../cache/errors.js';
import type { CacheStore } from '../../cache/store.js';
import type { Descriptor } from '../types.js';
import { blobChunks } from './blob-download.js';
import type { RegistryClient } from './client.js';
import { decoderFor, type Compression } from './decompress.js';
import { InvalidImageError, RegistryDigestMismatchError } from './errors.js';

export interface LayerProgress {
  (bytesDone: number, phase: 'download' | 'retry', attempt?: number): void;
}

export async function fetchLayerToStore(
  client: RegistryClient,
  repository: string,
  desc: Descriptor,
  compression: Compression,
  diffId: Digest,
  store: CacheStore,
  where: string,
  progress?: LayerProgress,
): Promise<{ size: number }> {
  const decoder = decoderFor(compression);
  let decodeError: Error | undefined;
  decoder.on('error', (e) => (decodeError ??= e));
  // Settled later; the handler keeps an early failure from being an unhandled rejection.
  const put = store.putStream(decoder, diffId).then(
    (r) => ({ ok: true as const, size: r.size }),
    (e: unknown) => ({ ok: false as const, error: e }),
  );
  const hash = createHash('sha256');
  let done = 0;
  try {
    for await (const chunk of blobChunks(client, repository, desc, where, (at, attempt) => progress?.(at, 'retry', attempt))) {
      hash.update(chunk);
      done += chunk.length;
      progress?.(done, 'download');
      if (decodeError || decoder.destroyed) continue; // keep hashing to tell corruption from a bad encoder
      if (!decoder.write(chunk)) await drained(decoder);
    }
  } catch (e) {
    decoder.destroy(e as Error);
    await put;
    throw e;
  }
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== desc.digest) {
    const err = new RegistryDigestMismatchError(desc.digest, actual, where);
    decoder.destroy(err);
    await put;
    throw err;
  }
  if (!decodeError) decoder.end();
  const result = await put;
  if (result.ok) return { size: result.size };
  const e = decodeError ?? result.error;
  if (e instanceof DigestMismatchError) throw new RegistryDigestMismatchError(e.expected, e.actual, `uncompressed ${where} (checked against the config's rootfs.diff_ids)`);
  if (decodeError) throw new InvalidImageError(where, `it is not valid ${compression} data (${decodeError.message})`);
  throw e;
}

function drained(stream: NodeJS.WritableStream & { destroyed: boolean }): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}
