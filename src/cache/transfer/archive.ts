// oci-archive:FILE: the same OCI layout as dir:, in one tar. Written whole on every
// export (a file has no "already there"); read by unpacking into a temp layout.
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { hexOf } from '../digest.js';
import { MEDIA } from '../../oci/types.js';
import { writeLayerTar, type WritableEntry } from '../../oci/layer/writer.js';
import { fixedMtime } from '../../oci/layer/entry.js';
import { CACHE_REF_NAME } from './format.js';
import type { BlobContent, CacheSink, CacheSource } from './endpoint.js';
import { dirSource } from './dir.js';
import { InvalidCacheError } from './errors.js';

export function archiveSink(file: string): CacheSink {
  const blobs = new Map<string, { size: number; content: BlobContent }>();
  let manifest: { digest: string; bytes: Buffer; size: number } | undefined;
  const where = `oci-archive:${file}`;
  return {
    where,
    hasBlob: async () => false,
    async putBlob(desc, content) {
      blobs.set(desc.digest, { size: desc.size, content });
    },
    async putManifest(built) {
      manifest = { digest: built.manifestDesc.digest, bytes: built.manifest, size: built.manifest.length };
    },
    async close(ok) {
      if (!ok || !manifest) return;
      const mtime = fixedMtime();
      const fileEntry = (path: string, size: number, content: WritableEntry['content']): WritableEntry => ({ entry: { path, type: 'file', mode: 0o644, uid: 0, gid: 0, size, mtime }, content });
      const index = { schemaVersion: 2, mediaType: MEDIA.index, manifests: [{ mediaType: MEDIA.manifest, digest: manifest.digest, size: manifest.size, annotations: { 'org.opencontainers.image.ref.name': CACHE_REF_NAME } }] };
      const layout = Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' }));
      const entries: WritableEntry[] = [fileEntry('oci-layout', layout.length, { buffer: layout })];
      for (const d of ['blobs', 'blobs/sha256']) entries.push({ entry: { path: d, type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtime } });
      for (const [digest, b] of [...blobs].sort((a, z) => (a[0] < z[0] ? -1 : 1))) {
        entries.push(fileEntry(`blobs/sha256/${hexOf(digest)}`, b.size, b.content.path ? { file: b.content.path } : { stream: b.content.open }));
      }
      entries.push(fileEntry(`blobs/sha256/${hexOf(manifest.digest)}`, manifest.size, { buffer: manifest.bytes }));
      const indexBytes = Buffer.from(JSON.stringify(index));
      entries.push(fileEntry('index.json', indexBytes.length, { buffer: indexBytes }));
      await fs.mkdir(dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
      try {
        await writeLayerTar(entries, tmp);
        await fs.rename(tmp, file);
      } finally {
        await fs.rm(tmp, { force: true });
      }
    },
  };
}

/** Unpacks the archive's layout files (nothing else, no links) into `tmpDir`, then reads it as dir:. */
export async function archiveSource(file: string, tmpDir: string): Promise<CacheSource | undefined> {
  const where = `oci-archive:${file}`;
  if (!(await fs.stat(file).catch(() => undefined))) return undefined;
  await fs.mkdir(join(tmpDir, 'blobs', 'sha256'), { recursive: true });
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const name = header.name.replace(/^\.\//, '');
    const ok = header.type === 'file' && (name === 'index.json' || name === 'oci-layout' || /^blobs\/sha256\/[0-9a-f]{64}$/.test(name));
    if (!ok) {
      stream.resume();
      stream.on('end', next);
      return;
    }
    pipeline(stream, createWriteStream(join(tmpDir, name))).then(() => next(), next);
  });
  try {
    await pipeline(createReadStream(file), extract);
  } catch (e) {
    await fs.rm(tmpDir, { recursive: true, force: true });
    throw new InvalidCacheError(where, `it is not a readable tar (${(e as Error).message})`);
  }
  return dirSource(tmpDir, where, () => fs.rm(tmpDir, { recursive: true, force: true }));
}
