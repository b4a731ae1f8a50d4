import { KairosError } from './base.js';

export class OutputNotWritableError extends KairosError {
  readonly code = 'OUTPUT_NOT_WRITABLE';
  constructor(readonly dir: string, cause: unknown) {
    super(`output folder ${dir} is not writable: ${(cause as Error)?.message ?? cause}`, { hint: 'Pass a writable folder with --output DIR.', cause });
  }
}

export class BuildCancelledError extends KairosError {
  readonly code = 'CANCELLED';
  constructor(reason = 'the build was interrupted') {
    super(reason, { hint: 'Nothing partial was written; run the same command again to continue from the cache.' });
  }
}

export class StepFailedError extends KairosError {
  readonly code = 'STEP_FAILED';
  /** For run() steps: what `kairos-pipe debug` needs to reopen the step's filesystem. */
  debug?: { state: unknown; step: unknown };
  constructor(readonly stepId: string, where: string, cause: unknown) {
    super(`${stepId} failed (${where}): ${(cause as Error)?.message ?? String(cause)}`, { hint: (cause as { hint?: string })?.hint, cause });
  }
}
