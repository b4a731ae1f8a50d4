// The CLI's only ways to print: stdout for results and events, stderr for errors.
import { KairosError } from '../errors/base.js';

export interface CliIO {
  out: (s: string) => void;
  err: (s: string) => void;
  isTTY: boolean;
  columns: () => number;
}

let stdoutClosed = false;
// `kairos-pipe run ... | head`: once the reader is gone, stop writing instead of dying of EPIPE mid-build.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  stdoutClosed = true;
});

export const processIO: CliIO = {
  out: (s) => {
    if (!stdoutClosed) process.stdout.write(s);
  },
  err: (s) => process.stderr.write(s),
  isTTY: Boolean(process.stdout.isTTY),
  columns: () => process.stdout.columns ?? 80,
};

export function formatError(e: unknown): string {
  if (e instanceof KairosError) return `error [${e.code}]: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}\n`;
  return `error [INTERNAL]: ${(e as Error)?.stack ?? String(e)}\n  hint: this is a bug in kairos-pipe; please report it.\n`;
}

/** Exit codes: 0 ok, 1 build failed, 2 bad input (usage, args, targets), 130 interrupted. */
export function exitCodeOf(e: unknown): number {
  if (!(e instanceof KairosError)) return 1;
  return ['UNKNOWN_TARGET', 'INVALID_ARG', 'DEPENDENCY_CYCLE', 'TARGET_LOAD_FAILED', 'DUPLICATE_TARGET', 'NO_TARGETS', 'INVALID_PLAN', 'USAGE', 'CONTEXT_PATH', 'OUTPUT_NOT_WRITABLE', 'UNKNOWN_FLAVOR', 'UNKNOWN_FLAVOR_RELEASE', 'DOCKERFILE_INVALID', 'DOCKERFILE_UNSUPPORTED', 'REMOTE_REF_INVALID', 'REMOTE_LOAD_FAILED', 'REMOTE_REF_UNKNOWN', 'REMOTE_OUTSIDE_CHECKOUT', 'CACHE_REF_INVALID', 'CACHE_KEY_UNREADABLE'].includes(e.code) ? 2 : 1;
}

export class UsageError extends KairosError {
  readonly code = 'USAGE';
  constructor(message: string, hint?: string) {
    super(message, { hint });
  }
}
