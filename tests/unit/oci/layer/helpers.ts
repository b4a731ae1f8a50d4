// Writes small layer tars for flatten/tar tests.
import { writeLayerTar, type WritableEntry } from '../../../../src/oci/layer/writer.js';
import type { EntryType, LayerEntry } from '../../../../src/oci/layer/entry.js';

export function entry(path: string, type: EntryType = 'file', content = '', extra: Partial<LayerEntry> = {}): WritableEntry {
  const buf = Buffer.from(content);
  return {
    entry: { path, type, mode: type === 'directory' ? 0o755 : type === 'symlink' ? 0o777 : 0o644, uid: 0, gid: 0, size: type === 'file' ? buf.length : 0, mtime: 0, ...extra },
    content: type === 'file' && buf.length ? { buffer: buf } : undefined,
  };
}

export async function layer(path: string, entries: WritableEntry[]): Promise<string> {
  await writeLayerTar(entries, path);
  return path;
}
