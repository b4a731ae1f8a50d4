// saveArtifact(): a file or folder of the filesystem becomes an artifact blob.
import type { SaveArtifactStep } from '../../dsl/steps/save-artifact.js';
import { PathNotFoundError } from '../../errors/index.js';
import { flatView, relPath } from '../fs-view.js';
import { storeArtifact } from './artifact-io.js';
import { noInputs, type StepImpl } from './types.js';

export const saveArtifactStep: StepImpl<SaveArtifactStep> = {
  changesFs: false,
  inputs: noInputs,
  async execute(step, state, ctx) {
    const view = await flatView(ctx.store, state!);
    const a = await storeArtifact(ctx.store, view, relPath(step.path), ctx.signal);
    if (!a) throw new PathNotFoundError(step.path, ctx.inst.target.def.name, ctx.where);
    return { outputs: { artifact: a } };
  },
  describe(step) {
    return `${step.path} as ${step.as}`;
  },
};
