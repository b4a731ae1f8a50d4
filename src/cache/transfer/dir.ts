// dir:PATH: an OCI image layout (oci-layout, index.json, blobs/sha256/) holding the
// cache manifest under the ref name `kairos-pipe-cache`. Blobs the folder already has
// are not copied again; each new one is written to a temp name and renamed in.
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { hexOf } from '../digest.js';
import { MEDIA, type Descriptor } from '../../oci/types.js';
import { CACHE_REF_NAME, type BuiltCache } from './format.js';
import type { CacheSink, CacheSource } from './endpoint.js';
import { InvalidCacheError } from './errors.js';

interface LayoutIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Array<Descriptor & { annotations?: Record<string, string> }>;
}

const REF_ANNOTATION = 'org.opencontainers.image.ref.name';

function blobFile(root: string, digest: string): string {
  return join(root, 'blobs', 'sha256', hexOf(digest));
}

async function writeAtomic(path: string, data: Buffer | string): Promise<void> {
  const tmp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, data);
  await fs.rename(tmp, path);
}

export async function dirSink(root: string): Promise<CacheSink> {
  await fs.mkdir(join(root, 'blobs', 'sha256'), { recursive: true });
  await fs.writeFile(join(root, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }), { flag: 'wx' }).catch(() => undefined);
  return {
    where: `dir:${root}`,
    async hasBlob(desc) {
      const st = await fs.stat(blobFile(root, desc.digest)).catch(() => undefined);
      return st?.size === desc.size;
    },
    async putBlob(desc, content) {
      const dest = blobFile(root, desc.digest);
      const tmp = `${dest}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
      try {
        await pipeline(content.open(), createWriteStream(tmp));
        await fs.rename(tmp, dest);
      } finally {
        await fs.rm(tmp, { force: true });
      }
    },
    async putManifest(built: BuiltCache) {
      await writeAtomic(blobFile(root, built.manifestDesc.digest), built.manifest);
      const index = await readIndex(root);
      const manifests = (index?.manifests ?? []).filter((m) => m.annotations?.[REF_ANNOTATION] !== CACHE_REF_NAME);
      manifests.push({ ...built.manifestDesc, annotations: { [REF_ANNOTATION]: CACHE_REF_NAME } });
      await writeAtomic(join(root, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.index, manifests } satisfies LayoutIndex));
    },
    async close() {},
  };
}

async function readIndex(root: string): Promise<LayoutIndex | undefined> {
  let raw: string;
  try {
    raw = await fs.readFile(join(root, 'index.json'), 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(raw) as LayoutIndex;
  } catch {
    throw new InvalidCacheError(`dir:${root}`, 'index.json is not JSON');
  }
}

export function dirSource(root: string, where = `dir:${root}`, cleanup?: () => Promise<void>): CacheSource {
  return {
    where,
    async manifest() {
      const index = await readIndex(root);
      if (!index) return undefined;
      const list = index.manifests ?? [];
      const entry = list.find((m) => m.annotations?.[REF_ANNOTATION] === CACHE_REF_NAME) ?? (list.length === 1 ? list[0] : undefined);
      if (!entry) throw new InvalidCacheError(where, `index.json lists no manifest named ${CACHE_REF_NAME}`);
      return fs.readFile(blobFile(root, entry.digest)).catch(() => {
        throw new InvalidCacheError(where, `the manifest blob ${entry.digest} is missing`);
      });
    },
    async *blob(desc) {
      yield* createReadStream(blobFile(root, desc.digest), { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>;
    },
    async close() {
      await cleanup?.();
    },
  };
}
