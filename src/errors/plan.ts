import { KairosError } from './base.js';

/** A target's plan() threw or returned something that is not a list of steps. */
export class PlanError extends KairosError {
  readonly code = 'INVALID_PLAN';
  constructor(readonly target: string, where: string, detail: string, cause?: unknown) {
    super(`+${target} (${where}): ${detail}`, { hint: 'plan() must return an array of steps made with from(), copy(), run(), ...; the first step is from() or bootstrap().', cause });
  }
}
