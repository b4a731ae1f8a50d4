import { KairosError } from './base.js';

export class OutputNotWritableError extends KairosError {
  readonly code = 'OUTPUT_NOT_WRITABLE';
  constructor(readonly dir: string, cause: unknown) {
    super(`output folder ${dir} is not writable: ${(cause as Error)?.message ?? cause}`, { hint: 'Pass a writable folder with --output DIR.', cause });
  }
}

/** An output could not be written (a full disk, permissions, I/O); the build itself is cached. */
export class OutputWriteError extends KairosError {
  readonly code = 'OUTPUT_WRITE_FAILED';
  constructor(readonly path: string, cause: unknown) {
    super(`cannot write output ${path}: ${(cause as Error)?.message ?? String(cause)}`, {
      hint: isDiskFull(cause)
        ? 'The disk holding the output folder is full: free space there, or pass another folder with --output DIR. The build is cached: the rerun only writes the outputs.'
        : 'Check that the output folder is writable and has room. The build is cached: the rerun only writes the outputs.',
      cause,
    });
  }
}

export class BuildCancelledError extends KairosError {
  readonly code = 'CANCELLED';
  constructor(reason = 'the build was interrupted') {
    super(reason, { hint: 'Nothing partial was written; run the same command again to continue from the cache.' });
  }
}

/** Whether `e`, or an error it wraps, is a full disk or an exceeded quota. */
export function isDiskFull(e: unknown): boolean {
  for (let c = e, depth = 0; c && depth < 4; c = (c as { cause?: unknown }).cause, depth++) {
    const code = (c as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return true;
  }
  return false;
}

const DISK_FULL_HINT =
  'The disk is full: free space, e.g. `kairos-pipe cache prune --keep-bytes 20G`, or put the cache on a bigger disk with --cache-dir DIR (or KAIROS_PIPE_CACHE). The cache is still valid; run the build again after.';

export class StepFailedError extends KairosError {
  readonly code = 'STEP_FAILED';
  /** For run() steps: what `kairos-pipe debug` needs to reopen the step's filesystem. */
  debug?: { state: unknown; step: unknown };
  constructor(readonly stepId: string, where: string, cause: unknown) {
    super(`${stepId} failed (${where}): ${(cause as Error)?.message ?? String(cause)}`, {
      hint: isDiskFull(cause) ? DISK_FULL_HINT : (cause as { hint?: string })?.hint,
      cause,
    });
  }
}
