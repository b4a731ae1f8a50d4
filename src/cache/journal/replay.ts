// The no-op check: a journal holds when every stamp it took still matches, every
// record and blob it used is still in the cache and every output is as it left
// it. File checks are synchronous and come first: they run before the engine is
// loaded, and most misses are found there without asking the network anything.
import { statSync, utimesSync } from 'node:fs';
import { createHash } from 'node:crypto';
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

/** Whether `url` still serves bytes with this digest; any failure is a "no". */
async function remoteIs(url: string, digest: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(15_000), redirect: 'follow' });
    if (!res.ok) return false;
    return `sha256:${createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex')}` === digest;
  } catch {
    return false;
  }
}

/**
 * The events of a no-op run when the journal at `path` still holds (records are
 * touched, as a cache hit does), else undefined: the caller runs the real build.
 */
export async function replayJournal(path: string, engine: string, env: NodeJS.ProcessEnv): Promise<BuildEvent[] | undefined> {
  const j = readJournal(path);
  if (!j || j.engine !== engine || j.env !== envHash(env)) return undefined;
  for (const [p, s] of j.files) if (!stampIs(p, s)) return undefined;
  for (const [p, s] of j.outputs) if (s === ABSENT || !stampIs(p, s)) return undefined;
  for (const [p, size] of j.blobs) {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st || (size !== null && st.size !== size)) return undefined;
  }
  const answers = await Promise.all((j.remote ?? []).map(([url, digest]) => remoteIs(url, digest)));
  if (answers.includes(false)) return undefined;
  const now = new Date();
  try {
    for (const r of j.records) utimesSync(r, now, now);
  } catch {
    return undefined;
  }
  return j.events;
}
