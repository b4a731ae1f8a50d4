// The no-op check: a journal holds when every stamp it took still matches, every
// record and blob it used is still in the cache and every output is as it left
// it. Synchronous on purpose: it runs before the engine is even loaded.
import { statSync, utimesSync } from 'node:fs';
import type { BuildEvent } from '../../scheduler/events.js';
import { envHash, readJournal } from './journal.js';
import { ABSENT, stampOf } from './stamp.js';

function stampIs(path: string, expected: string): boolean {
  try {
    return expected !== '?' && stampOf(path).stamp === expected;
  } catch {
    return false;
  }
}

/**
 * The events of a no-op run when the journal at `path` still holds (records are
 * touched, as a cache hit does), else undefined: the caller runs the real build.
 */
export function replayJournal(path: string, engine: string, env: NodeJS.ProcessEnv): BuildEvent[] | undefined {
  const j = readJournal(path);
  if (!j || j.engine !== engine || j.env !== envHash(env)) return undefined;
  for (const [p, s] of j.files) if (!stampIs(p, s)) return undefined;
  for (const [p, s] of j.outputs) if (s === ABSENT || !stampIs(p, s)) return undefined;
  for (const [p, size] of j.blobs) {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st || (size !== null && st.size !== size)) return undefined;
  }
  const now = new Date();
  try {
    for (const r of j.records) utimesSync(r, now, now);
  } catch {
    return undefined;
  }
  return j.events;
}
