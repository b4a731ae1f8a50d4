// Blob-level push: existence check (HEAD), cross-repository mount, and upload
// (POST a session, then one streamed PUT). Usable on its own by the remote cache
// export, which pushes blobs that are not images.
import { Transform, type Readable } from 'node:stream';
import type { Digest } from '../../cache/digest.js';
import { isTransient, type RegistryClient } from './client.js';
import { RegistryUnreachableError, RegistryHttpError } from './errors.js';

export interface BlobSource {
  digest: Digest;
  size: number;
  /** Opens the bytes; called again when an upload is retried. */
  open: () => Readable;
}

export type PushBlobResult = 'exists' | 'mounted' | 'uploaded';

export interface PushBlobOptions {
  /** Repositories on the same registry that may hold the blob; tried as mount sources in order. */
  mountFrom?: string[];
  onBytes?: (bytesDone: number, phase: 'upload' | 'retry', attempt?: number) => void;
}

export async function blobExists(client: RegistryClient, repository: string, digest: Digest): Promise<boolean> {
  const url = `/v2/${repository}/blobs/${digest}`;
  const res = await client.request({ method: 'HEAD', url, repository, actions: 'pull,push' });
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw await client.httpError(res, { method: 'HEAD', url });
}

/** Sends a blob unless the repository has it; returns what happened. */
export async function pushBlob(client: RegistryClient, repository: string, blob: BlobSource, opts: PushBlobOptions = {}): Promise<PushBlobResult> {
  if (await blobExists(client, repository, blob.digest)) return 'exists';
  let session: string | undefined;
  for (const from of opts.mountFrom ?? []) {
    if (from === repository) continue;
    const m = await mountBlob(client, repository, blob.digest, from);
    if (m === true) return 'mounted';
    // The registry declined the mount but opened an upload session: use it.
    session = m;
    break;
  }
  await uploadBlob(client, repository, blob, opts, session);
  return 'uploaded';
}

/** Tries `?mount=&from=`; true when mounted, else the Location of the upload session the registry opened. */
export async function mountBlob(client: RegistryClient, repository: string, digest: Digest, from: string): Promise<true | string> {
  const url = `/v2/${repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`;
  const res = await client.request({ method: 'POST', url, repository, actions: 'pull,push', alsoPull: [from], idempotent: true });
  await res.body?.cancel();
  if (res.status === 201) return true;
  if (res.status === 202) return location(client, res, url);
  throw await client.httpError(res, { method: 'POST', url });
}

async function startUpload(client: RegistryClient, repository: string): Promise<string> {
  const url = `/v2/${repository}/blobs/uploads/`;
  const res = await client.request({ method: 'POST', url, repository, actions: 'pull,push', idempotent: true });
  if (res.status !== 202) throw await client.httpError(res, { method: 'POST', url });
  await res.body?.cancel();
  return location(client, res, url);
}

function location(client: RegistryClient, res: Response, url: string): string {
  const loc = res.headers.get('location');
  if (!loc) throw new RegistryHttpError(client.registry, 'POST', url.replace(/\?.*$/, ''), res.status, 'no Location header in the upload answer');
  return new URL(loc, client.url('/')).toString();
}

/** Monolithic upload: the session URL plus `digest=`, body streamed with a known length. */
export async function uploadBlob(client: RegistryClient, repository: string, blob: BlobSource, opts: PushBlobOptions = {}, session?: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const loc = session ?? (await startUpload(client, repository));
    session = undefined;
    const url = `${loc}${loc.includes('?') ? '&' : '?'}digest=${encodeURIComponent(blob.digest)}`;
    try {
      const res = await client.request({
        method: 'PUT',
        url,
        repository,
        actions: 'pull,push',
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) },
        body: () => counted(blob.open(), opts.onBytes),
        idempotent: false,
      });
      if (res.status === 201 || res.status === 204) {
        await res.body?.cancel();
        return;
      }
      const err = await client.httpError(res, { method: 'PUT', url });
      if (res.status < 500 || attempt >= client.retries) throw err;
    } catch (e) {
      const transient = e instanceof RegistryUnreachableError && isTransient(e.cause);
      if (!transient || attempt >= client.retries) throw e;
    }
    opts.onBytes?.(0, 'retry', attempt + 1);
    await client.backoff(attempt);
  }
}

function counted(src: Readable, onBytes: PushBlobOptions['onBytes']): Readable {
  if (!onBytes) return src;
  let done = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      done += chunk.length;
      onBytes(done, 'upload');
      cb(null, chunk);
    },
  });
  src.on('error', (e) => tap.destroy(e));
  return src.pipe(tap);
}
