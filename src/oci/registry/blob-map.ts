// What the store knows about compressed forms of its (uncompressed) layers, kept in
// <store>/registry/: compressed digest → diff id (so a second pull does no blob GET), and
// diff id → compressed forms with the repositories that hold them (so a push can reuse or
// mount them). One small JSON file per digest, written by atomic rename; losing it only
// costs a download or an upload.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { hexOf, type Digest } from '../../cache/digest.js';
import type { CacheStore } from '../../cache/store.js';

export interface CompressedForm {
  digest: Digest;
  mediaType: string;
  size: number;
  diffId: Digest;
  /** `registry/repository` names known to hold this blob. */
  sources: string[];
}

export class BlobMap {
  constructor(private readonly store: CacheStore) {}

  private path(kind: 'compressed' | 'diffid', digest: string): string {
    return join(this.store.root, 'registry', kind, `${hexOf(digest)}.json`);
  }

  async byCompressed(digest: string): Promise<CompressedForm | undefined> {
    return readJson<CompressedForm>(this.path('compressed', digest));
  }

  /** Compressed forms recorded for a diff id, newest first. */
  async byDiffId(diffId: string): Promise<CompressedForm[]> {
    const digests = (await readJson<Digest[]>(this.path('diffid', diffId))) ?? [];
    const forms = await Promise.all(digests.map((d) => this.byCompressed(d)));
    return forms.filter((f): f is CompressedForm => !!f && f.diffId === diffId);
  }

  /** Records (or extends with a new source) a compressed form of a layer. */
  async record(form: Omit<CompressedForm, 'sources'>, source?: string): Promise<void> {
    if (form.digest === form.diffId && !source) return;
    const old = await this.byCompressed(form.digest);
    const sources = [...new Set([...(source ? [source] : []), ...(old?.sources ?? [])])].slice(0, 16);
    if (old && old.sources.length === sources.length && old.diffId === form.diffId) return;
    await writeJson(this.store, this.path('compressed', form.digest), { ...form, sources });
    const list = (await readJson<Digest[]>(this.path('diffid', form.diffId))) ?? [];
    if (!list.includes(form.digest)) await writeJson(this.store, this.path('diffid', form.diffId), [form.digest, ...list].slice(0, 8));
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function writeJson(store: CacheStore, path: string, value: unknown): Promise<void> {
  await fs.mkdir(join(path, '..'), { recursive: true });
  const tmp = store.tmpPath('registry-map');
  await fs.writeFile(tmp, JSON.stringify(value));
  await fs.rename(tmp, path);
}
