import { KairosError } from './base.js';

export class CycleError extends KairosError {
  readonly code = 'DEPENDENCY_CYCLE';
  constructor(readonly cycle: string[], locations: string[]) {
    super(`dependency cycle: ${cycle.join(' -> ')}${locations.length ? `\n  ${locations.join('\n  ')}` : ''}`, {
      hint: 'A target cannot depend on itself through from(), copy() or build(); break one of these edges.',
    });
  }
}
