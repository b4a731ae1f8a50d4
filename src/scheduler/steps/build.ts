// build(+x): a dependency edge only; x's outputs join this build's outputs.
import type { BuildStep } from '../../dsl/steps/build.js';
import { noInputs, type StepImpl } from './types.js';

export const buildStep: StepImpl<BuildStep> = {
  changesFs: false,
  inputs: noInputs,
  async execute() {
    return {};
  },
  describe(step) {
    return step.target.ref;
  },
};
