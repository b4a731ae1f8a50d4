// Per-cache stat index: (absolute path, size, mtime, inode) → content digest, so
// unchanged files are not re-read on every run. The digest itself, never the
// stat data, is what enters cache keys.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

interface Entry {
  s: number;
  m: string;
  i: number;
  d: string;
}

export class StatIndex {
  private entries = new Map<string, Entry>();
  private dirty = false;
  private constructor(private readonly file: string) {}

  static async open(cacheRoot: string): Promise<StatIndex> {
    const idx = new StatIndex(join(cacheRoot, 'stat-index.json'));
    try {
      const raw = JSON.parse(await fs.readFile(idx.file, 'utf8')) as Record<string, Entry>;
      idx.entries = new Map(Object.entries(raw));
    } catch {
      // absent or unreadable: start empty, it is only an accelerator
    }
    return idx;
  }

  get(path: string, st: { size: number; mtimeMs: number; ino: number; mtimeNs?: bigint }): string | undefined {
    const e = this.entries.get(path);
    const m = st.mtimeNs !== undefined ? String(st.mtimeNs) : String(st.mtimeMs);
    // A file modified within the last 2 s may change again inside the same mtime tick.
    if (e && e.s === st.size && e.m === m && e.i === st.ino && Date.now() - st.mtimeMs > 2000) return e.d;
    return undefined;
  }

  set(path: string, st: { size: number; mtimeMs: number; ino: number; mtimeNs?: bigint }, digest: string): void {
    const m = st.mtimeNs !== undefined ? String(st.mtimeNs) : String(st.mtimeMs);
    this.entries.set(path, { s: st.size, m, i: st.ino, d: digest });
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await fs.writeFile(tmp, JSON.stringify(Object.fromEntries(this.entries)));
    await fs.rename(tmp, this.file);
    this.dirty = false;
  }
}
