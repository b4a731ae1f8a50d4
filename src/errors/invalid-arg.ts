import { KairosError } from './base.js';

export class InvalidArgError extends KairosError {
  readonly code = 'INVALID_ARG';
  constructor(readonly target: string, readonly arg: string, problem: string, hint: string) {
    super(`+${target}: argument ${arg}: ${problem}`, { hint });
  }
}
