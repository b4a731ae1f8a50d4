// saveImage(): stores config + manifest; the archive (and push) happen when the
// build's outputs are written, so a cached image costs nothing here.
import type { SaveImageStep } from '../../dsl/steps/save-image.js';
import { storeImage } from '../../oci/image/manifest.js';
import { noInputs, type StepImpl } from './types.js';

export const saveImageStep: StepImpl<SaveImageStep> = {
  changesFs: false,
  inputs: noInputs,
  async execute(_step, state, ctx) {
    const img = await storeImage(ctx.store, state!);
    return { outputs: { manifest: img.manifest, config: img.config } };
  },
  describe(step) {
    return step.name + (step.push ? ' (push)' : '');
  },
};
