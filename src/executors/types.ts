// The executor contract: run one `run()` step over a filesystem state and
// return the new layer, already published in the cache store.
import type { CacheStore } from '../cache/store.js';
import type { FsState, LayerDesc } from '../oci/types.js';
import type { RunStep } from '../dsl/steps/run.js';

export type ExecutorKind = 'oci' | 'docker';

export interface RunContext {
  store: CacheStore;
  signal: AbortSignal;
  /** One line of the command's output; secrets are already masked by the caller's logger. */
  log: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Values of the secrets the step names, resolved by the CLI from --secret. */
  secrets: Record<string, string>;
  /** Human id of the step for messages and `kairos-pipe debug`: `+hello[3]`. */
  stepId: string;
}

export interface Executor {
  readonly kind: ExecutorKind;
  /**
   * Runs `step` on `state` and returns the layer of its changes (uncompressed tar,
   * digest === diffId, entries sorted, mtimes fixed to SOURCE_DATE_EPOCH or 0).
   * On failure, abort or kill: nothing mounted, no container left, no blob stored.
   */
  run(state: FsState, step: RunStep, ctx: RunContext): Promise<LayerDesc>;
  /** Opens an interactive shell on `state` (for --shell-on-failure / debug). Returns the exit code. */
  shell?(state: FsState, ctx: Pick<RunContext, 'store' | 'signal'>, step?: RunStep): Promise<number>;
  close?(): Promise<void>;
}
