// from(): the base state. scratch is empty; +target chains on the dependency's
// last filesystem key; a registry image is keyed by its manifest digest.
import type { FromStep } from '../../dsl/steps/from.js';
import { emptyImageConfig } from '../../oci/types.js';
import type { StepImpl } from './types.js';
import { resolveBaseImage, pullBaseImage } from './from-image.js';

export const fromStep: StepImpl<FromStep> = {
  changesFs: true,
  async inputs(step, ctx) {
    const s = step.source;
    if (s.type === 'scratch') return {};
    if (s.type === 'target') return { base: ctx.depOfStep(ctx.inst.steps.indexOf(step)).fsKey };
    if (s.type === 'image') return { manifest: await resolveBaseImage(s.ref, s.platform, ctx) };
    throw new Error('dockerfile bases are expanded when the graph is built');
  },
  async execute(step, _state, ctx, inputs) {
    const s = step.source;
    if (s.type === 'scratch') return { state: { layers: [], config: emptyImageConfig() } };
    if (s.type === 'target') return { state: ctx.depOfStep(ctx.inst.steps.indexOf(step)).state };
    if (s.type === 'image') return { state: await pullBaseImage(s.ref, String(inputs.manifest), s.platform, ctx) };
    throw new Error('dockerfile bases are expanded when the graph is built');
  },
  describe(step) {
    const s = step.source;
    return s.type === 'scratch' ? 'scratch' : s.type === 'image' ? s.ref : s.type === 'target' ? s.ref : s.path;
  },
};
