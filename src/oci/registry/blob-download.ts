// Reads one blob from a registry as a stream of chunks; a connection cut mid-blob resumes
// with an HTTP Range request (or skips what was already read when the server ignores
// Range), so the consumer sees each byte exactly once. Verifying is the consumer's job.
import { createHash } from 'node:crypto';
import type { Descriptor } from '../types.js';
import { isTransient, type RegistryClient } from './client.js';
import { causeCode } from './auth.js';
import { BlobUnknownError, RegistryDigestMismatchError, RegistryUnreachableError } from './errors.js';

export type RetryNotice = (bytesDone: number, attempt: number) => void;

export async function* blobChunks(client: RegistryClient, repository: string, desc: Descriptor, where: string, onRetry?: RetryNotice): AsyncGenerator<Buffer> {
  const url = `/v2/${repository}/blobs/${desc.digest}`;
  let done = 0;
  for (let attempt = 0; ; attempt++) {
    const headers: Record<string, string> = done > 0 ? { range: `bytes=${done}-` } : {};
    const res = await client.request({ method: 'GET', url, repository, actions: 'pull', headers });
    if (res.status === 404) {
      await res.body?.cancel();
      throw new BlobUnknownError(client.registry, repository, desc.digest);
    }
    if (!(res.status === 200 || (res.status === 206 && done > 0))) throw await client.httpError(res, { method: 'GET', url });
    // A 200 to a Range request restarts from byte 0: skip what the consumer already has.
    let skip = res.status === 200 ? done : 0;
    try {
      for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
        let chunk = Buffer.from(part.buffer, part.byteOffset, part.byteLength);
        if (skip > 0) {
          const n = Math.min(skip, chunk.length);
          skip -= n;
          chunk = chunk.subarray(n);
          if (!chunk.length) continue;
        }
        // A registry that sends more than the descriptor says is wrong; stop reading.
        if (done + chunk.length > desc.size) throw new RegistryDigestMismatchError(`${desc.digest} (${desc.size} bytes)`, `a body of more than ${desc.size} bytes`, where);
        done += chunk.length;
        yield chunk;
      }
      if (done < desc.size) throw Object.assign(new Error(`body ended at byte ${done} of ${desc.size}`), { code: 'ECONNRESET' });
      return;
    } catch (e) {
      if (e instanceof RegistryDigestMismatchError || (e as Error).name === 'AbortError' || client.opts.signal?.aborted) throw e;
      if (attempt >= client.retries || !(isTransient(e) || e instanceof TypeError)) {
        throw new RegistryUnreachableError(client.registry, client.endpoint.host, `download of ${desc.digest} failed after ${attempt + 1} attempts at byte ${done} (${causeCode(e)})`, e);
      }
      onRetry?.(done, attempt + 1);
      await client.backoff(attempt);
    }
  }
}

/** A small blob (config, manifest-sized) fetched whole and verified. */
export async function fetchBlob(client: RegistryClient, repository: string, desc: Descriptor, where: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  const hash = createHash('sha256');
  for await (const chunk of blobChunks(client, repository, desc, where)) {
    hash.update(chunk);
    parts.push(Buffer.from(chunk));
  }
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== desc.digest) throw new RegistryDigestMismatchError(desc.digest, actual, where);
  return Buffer.concat(parts);
}
