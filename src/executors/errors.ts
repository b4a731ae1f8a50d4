// Errors of the run() executors. Each names the step (`+target[3]` and the
// step's file:line) so the user never needs a stack trace.
import { KairosError } from '../errors/base.js';
import type { RunStep } from '../dsl/steps/run.js';

function where(stepId: string, step?: RunStep): string {
  return step?.loc ? `${stepId} (${step.loc.file}:${step.loc.line})` : stepId;
}

/** The command exited non-zero (or was killed by a signal). */
export class RunFailedError extends KairosError {
  readonly code = 'RUN_FAILED';
  constructor(
    readonly stepId: string,
    readonly exitCode: number,
    /** The last lines of output, secrets masked. */
    readonly lastLines: string[],
    step?: RunStep,
  ) {
    const cmd = step ? (Array.isArray(step.command) ? JSON.stringify(step.command) : step.command) : '';
    const tail = lastLines.length ? `\n  last output:\n${lastLines.map((l) => `    | ${l}`).join('\n')}` : '';
    super(`step ${where(stepId, step)} failed with exit code ${exitCode}: ${cmd}${tail}`, {
      hint: 'Fix the command, or rerun with --shell-on-failure to open a shell in the failed step\'s filesystem.',
    });
  }
}

/** The step was cancelled through its AbortSignal (Ctrl-C, another step failed). */
export class RunAbortedError extends KairosError {
  readonly code = 'RUN_ABORTED';
  constructor(readonly stepId: string, step?: RunStep) {
    super(`step ${where(stepId, step)} was interrupted; its container was killed and nothing was stored`, {
      hint: 'Run the build again; finished steps are cached.',
    });
  }
}

/** No executor can run here: says what to install or change. */
export class ExecutorUnavailableError extends KairosError {
  readonly code = 'EXECUTOR_UNAVAILABLE';
  constructor(readonly kind: 'auto' | 'oci' | 'docker', readonly reasons: string[]) {
    super(`no usable '${kind}' executor: ${reasons.join('; ')}`, {
      hint:
        kind === 'docker'
          ? 'Start a Docker engine or point DOCKER_HOST at one (docker info must answer).'
          : 'Run as root with runc installed (apt-get install runc) and overlayfs available, or use --executor docker with a running Docker engine.',
    });
  }
}

/** The container runtime itself failed (not the user's command). */
export class ExecutorError extends KairosError {
  readonly code = 'EXECUTOR_FAILED';
  constructor(readonly stepId: string, what: string, cause?: unknown) {
    super(`step ${stepId}: ${what}${cause instanceof Error ? `: ${cause.message}` : ''}`, {
      hint: 'This is an environment problem, not the command: check `kairos-pipe doctor` and the runtime logs.',
      cause,
    });
  }
}

/** The user named in the image config does not exist in the filesystem. */
export class UnknownUserError extends KairosError {
  readonly code = 'UNKNOWN_USER';
  constructor(readonly stepId: string, readonly user: string) {
    super(`step ${stepId}: user '${user}' is not in the image's /etc/passwd (or group not in /etc/group)`, {
      hint: 'Create the user in an earlier run() step (useradd) or use a numeric uid[:gid].',
    });
  }
}

/** A step names a secret the CLI was not given. */
export class MissingSecretError extends KairosError {
  readonly code = 'MISSING_SECRET';
  constructor(readonly stepId: string, readonly secret: string) {
    super(`step ${stepId} needs secret '${secret}', which was not provided`, {
      hint: `Pass it with --secret ${secret} (from the env var of that name), --secret ${secret}=env:VAR or --secret ${secret}=file:PATH.`,
    });
  }
}
