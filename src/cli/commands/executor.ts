// Chooses the executor for run() steps on first use (auto: oci, then docker).
import type { Executor, ExecutorKind } from '../../executors/types.js';
import { KairosError } from '../../errors/base.js';

class ExecutorMissingError extends KairosError {
  readonly code = 'EXECUTOR_UNAVAILABLE';
  constructor() {
    super('run() steps need an executor, and none is built into this version', { hint: 'Install runc (oci executor) or start a Docker engine.' });
  }
}

export async function selectExecutorFor(kind: ExecutorKind | 'auto'): Promise<Executor> {
  let mod: { selectExecutor: (k: ExecutorKind | 'auto', opts?: Record<string, unknown>) => Promise<Executor> };
  try {
    mod = (await import('../../executors/select.js')) as typeof mod;
  } catch {
    throw new ExecutorMissingError();
  }
  return mod.selectExecutor(kind, {});
}
