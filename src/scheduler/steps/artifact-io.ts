// Artifacts as blobs: a file artifact is the file's bytes; a folder artifact is
// a deterministic tar of the folder with paths relative to it.
import { createReadStream } from 'node:fs';
import type { CacheStore } from '../../cache/store.js';
import type { WritableEntry } from '../../oci/layer/writer.js';
import { writeLayerTar } from '../../oci/layer/writer.js';
import { indexTar } from '../../oci/layer/tar-index.js';
import type { FlatView } from '../fs-view.js';
import { subtree } from '../../oci/layer/materialize.js';
import type { ArtifactDesc } from '../context.js';
import { MEDIA } from '../../oci/types.js';
import type { FlatEntry } from '../../oci/layer/flatten.js';

/** Follows symlinks inside the flattened view (absolute targets are relative to its root). */
export function resolveInView(view: FlatView, path: string, depth = 0): FlatEntry | undefined {
  const e = view.byPath.get(path);
  if (e?.entry.type === 'link' && e.entry.linkname && depth <= 16) return resolveInView(view, e.entry.linkname.replace(/^\/+/, ''), depth + 1);
  if (!e || e.entry.type !== 'symlink' || depth > 16) return e;
  const link = e.entry.linkname ?? '';
  const base = link.startsWith('/') ? link : `${path.split('/').slice(0, -1).join('/')}/${link}`;
  const norm: string[] = [];
  for (const c of base.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') norm.pop();
    else norm.push(c);
  }
  return resolveInView(view, norm.join('/'), depth + 1);
}

export async function storeArtifact(store: CacheStore, view: FlatView, path: string, signal?: AbortSignal): Promise<ArtifactDesc | undefined> {
  const e = resolveInView(view, path);
  if (!e) return undefined;
  if (e.entry.type === 'file') {
    const stream = createReadStream(e.blob, { start: e.offset, end: Math.max(e.offset, e.offset + e.entry.size - 1) });
    const put = e.entry.size === 0 ? await store.putBuffer(Buffer.alloc(0)) : await store.putStream(stream);
    return { mediaType: 'application/octet-stream', digest: put.digest, size: put.size, annotations: { 'kairos-pipe.kind': 'file', 'kairos-pipe.mode': e.entry.mode.toString(8) } };
  }
  if (e.entry.type !== 'directory') return undefined;
  const entries: WritableEntry[] = subtree(view.entries, e.entry.path).map((f) => ({
    entry: f.entry,
    content: f.entry.type === 'file' ? { file: f.blob, start: f.offset } : undefined,
  }));
  const tmp = store.tmpPath('artifact');
  const { digest } = await writeLayerTar(entries, tmp, signal);
  const put = await store.putFile(tmp, digest);
  return { mediaType: MEDIA.artifact, digest, size: put.size, annotations: { 'kairos-pipe.kind': 'tree', 'kairos-pipe.mode': e.entry.mode.toString(8) } };
}

/** The entries of an artifact, relative to its root ('' = the file itself). */
export async function artifactEntries(store: CacheStore, a: ArtifactDesc): Promise<WritableEntry[]> {
  const blob = store.blobPath(a.digest);
  if (a.annotations['kairos-pipe.kind'] === 'file') {
    const mode = parseInt(a.annotations['kairos-pipe.mode'], 8);
    return [{ entry: { path: '', type: 'file', mode, uid: 0, gid: 0, size: a.size, mtime: 0 }, content: { file: blob } }];
  }
  const idx = await indexTar(blob);
  return idx.map((i) => ({ entry: i.entry, content: i.entry.type === 'file' ? { file: blob, start: i.offset } : undefined }));
}

