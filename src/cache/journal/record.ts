// Writes the no-op journal after a successful run: keeps the events a no-op rerun
// would emit, and gathers the stamps of everything the build read.
import { unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BuildEvent } from '../../scheduler/events.js';
import type { CacheStore } from '../store.js';
import { recordBlobSizes } from '../records.js';
import { inputLog } from './input-log.js';
import { envHash, engineIdentity, loadedModules, writeJournal, JOURNAL_VERSION, type Journal } from './journal.js';
import { racyAfter, stampFromStat, stampOf } from './stamp.js';

export class JournalRecorder {
  private readonly events: BuildEvent[] = [];
  private readonly keys = new Set<string>();
  private readonly started = Date.now();

  /** Sees every build event; keeps them in the form a no-op rerun shows them. */
  observe(e: BuildEvent): void {
    switch (e.type) {
      case 'start':
      case 'target-start':
        this.events.push(e);
        break;
      case 'step':
        if (e.status !== 'cached' && e.status !== 'done') break;
        if (e.key) this.keys.add(e.key);
        this.events.push({ type: 'step', target: e.target, index: e.index, kind: e.kind, description: e.description, status: 'cached', key: e.key });
        break;
      case 'target-done':
        this.events.push({ ...e, ms: 0, executed: 0, cached: e.executed + e.cached });
        break;
      case 'output':
        this.events.push({ ...e, written: false });
        break;
      case 'summary':
        this.events.push({ ...e, executed: 0, cached: e.executed + e.cached, bytesWritten: 0 });
        break;
      default: // logs and warnings belong to the run that made them
    }
  }

  /**
   * Files the journal for `path`, or removes a stale one when this run cannot be
   * replayed: `reason` says why (for tests and `--json` readers), undefined when filed.
   */
  async save(path: string, store: CacheStore, env: NodeJS.ProcessEnv, targetFiles: string[]): Promise<string | undefined> {
    const reason = await this.build(store, env, targetFiles).then(
      (j) => (typeof j === 'string' ? j : (writeJournal(path, j), undefined)),
      (e: unknown) => `could not write it: ${(e as Error).message}`,
    );
    if (reason) {
      try {
        unlinkSync(path);
      } catch {
        // none there
      }
    }
    return reason;
  }

  private async build(store: CacheStore, env: NodeJS.ProcessEnv, targetFiles: string[]): Promise<Journal | string> {
    const engine = engineIdentity();
    const modules = loadedModules();
    if (!engine || !modules) return 'not started from bin/kairos-pipe.js';
    const log = inputLog();
    if (log.volatile.length) return log.volatile.join('; ');
    const summary = this.events.at(-1);
    if (summary?.type !== 'summary' || !summary.ok) return 'the build did not succeed';
    const files = new Map(log.files);
    const racy = [...log.racy];
    const since = racyAfter(this.started);
    const dirs = new Set<string>();
    for (const m of modules) {
      if (files.has(m.path)) continue;
      const st = m.stat;
      const s = st ? stampFromStat({ ino: BigInt(st.ino), size: BigInt(st.size), mode: BigInt(st.mode), mtimeNs: BigInt(st.mtimeNs), ctimeNs: BigInt(st.ctimeNs) }, racyAfter(st.at)) : { stamp: '?', racy: true };
      files.set(m.path, s.stamp);
      if (s.racy) racy.push(m.path);
      dirs.add(dirname(m.path));
    }
    // A file added beside a module can change what an import resolves to.
    for (const d of dirs) {
      if (files.has(d)) continue;
      const s = stampOf(d, since);
      files.set(d, s.stamp);
      if (s.racy) racy.push(d);
    }
    const missing = targetFiles.find((f) => !files.has(f));
    if (missing) return `the loader did not report ${missing}`;
    if (racy.length) return `changed less than 2 s before it was read: ${racy[0]}`;
    const blobs = new Map<string, number | null>();
    for (const key of this.keys) {
      const record = await store.getRecord(key, { touch: false });
      if (!record) return `record ${key} vanished during the build`;
      for (const [d, size] of recordBlobSizes(record)) blobs.set(store.blobPath(d), size ?? null);
    }
    const outputs = summary.outputs.map((p): [string, string] => [p, stampOf(p).stamp]);
    return {
      v: JOURNAL_VERSION,
      engine,
      env: envHash(env),
      files: [...files],
      remote: [...log.remote],
      records: [...this.keys].map((k) => store.recordPath(k)),
      blobs: [...blobs],
      outputs,
      events: this.events,
    };
  }
}
