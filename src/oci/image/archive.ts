// Writes an image as one tar that both `docker load` (manifest.json) and OCI
// tools (`skopeo inspect oci-archive:`, oci-layout + index.json) accept.
import { promises as fs } from 'node:fs';
import { writeLayerTar, type WritableEntry } from '../layer/writer.js';
import type { CacheStore } from '../../cache/store.js';
import { hexOf } from '../../cache/digest.js';
import { MEDIA } from '../types.js';
import { splitImageName, type StoredImage } from './manifest.js';
import { fixedMtime } from '../layer/entry.js';

function file(path: string, content: Buffer | { file: string; size: number }, mtime: number): WritableEntry {
  const size = Buffer.isBuffer(content) ? content.length : content.size;
  return {
    entry: { path, type: 'file', mode: 0o644, uid: 0, gid: 0, size, mtime },
    content: Buffer.isBuffer(content) ? { buffer: content } : { file: content.file },
  };
}

export async function writeImageArchive(store: CacheStore, name: string, image: StoredImage, outPath: string, signal?: AbortSignal): Promise<void> {
  const mtime = fixedMtime();
  const { repo, tag } = splitImageName(name);
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA.index,
    manifests: [{ ...image.manifest, annotations: { 'io.containerd.image.name': `${repo}:${tag}`, 'org.opencontainers.image.ref.name': tag } }],
  };
  const dockerManifest = [
    { Config: `blobs/sha256/${hexOf(image.config.digest)}`, RepoTags: [`${repo}:${tag}`], Layers: image.layers.map((l) => `blobs/sha256/${hexOf(l.digest)}`) },
  ];
  const blobs = [image.manifest, image.config, ...image.layers].map((d) => d.digest);
  const unique = [...new Set(blobs)].sort();
  const entries: WritableEntry[] = [
    { entry: { path: 'blobs', type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtime } },
    { entry: { path: 'blobs/sha256', type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtime } },
  ];
  for (const d of unique) {
    const size = (await fs.stat(store.blobPath(d))).size;
    entries.push(file(`blobs/sha256/${hexOf(d)}`, { file: store.blobPath(d), size }, mtime));
  }
  entries.push(file('index.json', Buffer.from(JSON.stringify(index)), mtime));
  entries.push(file('manifest.json', Buffer.from(JSON.stringify(dockerManifest)), mtime));
  entries.push(file('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })), mtime));
  await writeLayerTar(entries, outPath, signal);
}
