// The shape every step implementation has: inputs for its key (computed without
// touching the layer chain) and an execute that produces state and/or outputs.
import type { Step } from '../../dsl/steps/index.js';
import type { Descriptor, FsState } from '../../oci/types.js';
import type { StepContext } from '../context.js';

export interface StepOutcome {
  state?: FsState;
  outputs?: Record<string, Descriptor>;
}

export interface StepImpl<S extends Step = Step> {
  /** Does it produce a new filesystem state (and so a new fsKey)? */
  changesFs: boolean;
  inputs(step: S, ctx: StepContext): Promise<Record<string, unknown>>;
  execute(step: S, state: FsState | undefined, ctx: StepContext, inputs: Record<string, unknown>): Promise<StepOutcome>;
  describe(step: S): string;
}

/** For steps that read nothing beyond their spec and parent: their key needs no inputs. */
export async function noInputs(): Promise<Record<string, unknown>> {
  return {};
}
