// Downloads one blob to a file, hashing as it goes; a connection cut mid-blob resumes
// with an HTTP Range request (or skips what it already has when the server ignores Range).
// The caller gets a file whose size and digest match the descriptor, or an error.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { Descriptor } from '../types.js';
import { isTransient, type RegistryClient } from './client.js';
import { causeCode } from './auth.js';
import { BlobUnknownError, RegistryDigestMismatchError, RegistryUnreachableError } from './errors.js';

export type TransferProgress = (bytesDone: number, phase: 'download' | 'retry', attempt?: number) => void;

export async function downloadBlob(client: RegistryClient, repository: string, desc: Descriptor, dest: string, where: string, progress?: TransferProgress): Promise<void> {
  const url = `/v2/${repository}/blobs/${desc.digest}`;
  const hash = createHash('sha256');
  const fh = await fs.open(dest, 'w');
  let done = 0;
  try {
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = done > 0 ? { range: `bytes=${done}-` } : {};
      const res = await client.request({ method: 'GET', url, repository, actions: 'pull', headers });
      if (res.status === 404) {
        await res.body?.cancel();
        throw new BlobUnknownError(client.registry, repository, desc.digest);
      }
      if (!(res.status === 200 || (res.status === 206 && done > 0))) throw await client.httpError(res, { method: 'GET', url });
      // A 200 to a Range request restarts from byte 0: skip what we already hold.
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
          if (desc.size >= 0 && done + chunk.length > desc.size) throw new RegistryDigestMismatchError(`${desc.digest} (${desc.size} bytes)`, `more than ${desc.size} bytes`, where);
          hash.update(chunk);
          await fh.write(chunk);
          done += chunk.length;
          progress?.(done, 'download');
        }
        if (done < desc.size) throw Object.assign(new Error('body ended early'), { code: 'ECONNRESET' });
        break;
      } catch (e) {
        if (e instanceof RegistryDigestMismatchError || (e as Error).name === 'AbortError' || client.opts.signal?.aborted) throw e;
        if (attempt >= client.retries || !(isTransient(e) || e instanceof TypeError)) {
          throw new RegistryUnreachableError(client.registry, client.endpoint.host, `download of ${desc.digest} failed after ${attempt + 1} attempts at byte ${done} (${causeCode(e)})`, e);
        }
        progress?.(done, 'retry', attempt + 1);
        await client.backoff(attempt);
      }
    }
  } finally {
    await fh.close();
  }
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== desc.digest) throw new RegistryDigestMismatchError(desc.digest, actual, where);
}
