// Errors of the Dockerfile front end. Every one carries the Dockerfile's
// file:line:column, so the CLI can point at the instruction to fix.
import { KairosError } from '../errors/base.js';
import type { SourceLoc } from '../dsl/loc.js';

/** A Dockerfile that cannot be turned into a plan: bad syntax, bad value, unknown stage. */
export class DockerfileError extends KairosError {
  readonly code: string = 'DOCKERFILE_INVALID';
  constructor(readonly loc: SourceLoc, readonly instruction: string | undefined, what: string, hint?: string) {
    super(`${loc.file}:${loc.line}:${loc.column}: ${instruction ? `${instruction}: ` : ''}${what}`, { hint });
  }
}

/** Valid Docker syntax that kairos-pipe deliberately does not support; the hint says what to use instead. */
export class DockerfileUnsupportedError extends DockerfileError {
  override readonly code = 'DOCKERFILE_UNSUPPORTED';
}
