// A layer holding one host file at `path` (plus any missing parent folders).
import { promises as fs } from 'node:fs';
import { posix } from 'node:path';
import type { CacheStore } from '../../cache/store.js';
import { writeLayerTar, type WritableEntry } from '../../oci/layer/writer.js';
import { fixedMtime } from '../../oci/layer/entry.js';
import { MEDIA, type LayerDesc } from '../../oci/types.js';
import type { FlatView } from '../fs-view.js';

export async function layerOfFile(store: CacheStore, view: FlatView, hostFile: string, path: string, signal?: AbortSignal): Promise<LayerDesc> {
  const mtime = fixedMtime();
  const entries: WritableEntry[] = [];
  const parents: string[] = [];
  for (let d = posix.dirname(path); d !== '.' && d !== ''; d = posix.dirname(d)) if (!view.byPath.has(d)) parents.unshift(d);
  for (const d of parents) entries.push({ entry: { path: d, type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtime } });
  const size = (await fs.stat(hostFile)).size;
  entries.push({ entry: { path, type: 'file', mode: 0o644, uid: 0, gid: 0, size, mtime }, content: { file: hostFile } });
  const tmp = store.tmpPath('layer');
  const { digest } = await writeLayerTar(entries, tmp, signal);
  const put = await store.putFile(tmp, digest);
  return { mediaType: MEDIA.layerTar, digest, size: put.size, diffId: digest };
}
