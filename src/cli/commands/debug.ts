// `kairos-pipe debug <id>` and `run --shell-on-failure`: an interactive shell in
// the filesystem a run() step failed in, with its env, mounts and working dir.
import { CacheStore } from '../../cache/store.js';
import { loadDebugRecord, type DebugRecord } from '../../scheduler/debug-record.js';
import { selectExecutorFor } from './executor.js';
import type { CliIO } from '../io.js';
import { UsageError } from '../io.js';
import { cacheDir, type GlobalOpts } from './common.js';

export async function openDebugShell(store: CacheStore, rec: DebugRecord, io: CliIO, signal: AbortSignal): Promise<number> {
  const exec = await selectExecutorFor('oci');
  if (!exec.shell) throw new UsageError('this executor cannot open a shell', 'Use the oci executor (root + runc).');
  io.err(`kairos-pipe: shell in the filesystem of ${rec.stepId} (changes are discarded; exit to leave)\n`);
  return exec.shell(rec.state, { store, signal }, rec.step);
}

export async function debugCommand(id: string, o: GlobalOpts, io: CliIO, signal: AbortSignal): Promise<number> {
  const store = await CacheStore.open(cacheDir(o, process.env));
  const rec = await loadDebugRecord(store, id);
  if (!rec) throw new UsageError(`no failed step '${id}' in the cache ${store.root}`, 'Use the id printed by the failed build, with the same --cache-dir.');
  return openDebugShell(store, rec, io, signal);
}
