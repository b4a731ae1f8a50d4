// rootfs(): the chain flattened into one tarball, whiteouts applied.
import type { RootfsStep } from '../../dsl/steps/rootfs.js';
import { writeLayerTar } from '../../oci/layer/writer.js';
import { flatView } from '../fs-view.js';
import { noInputs, type StepImpl } from './types.js';

export const rootfsStep: StepImpl<RootfsStep> = {
  changesFs: false,
  inputs: noInputs,
  async execute(_step, state, ctx) {
    const view = await flatView(ctx.store, state!);
    const tmp = ctx.store.tmpPath('rootfs');
    const entries = view.entries.map((f) => ({ entry: f.entry, content: f.entry.type === 'file' ? { file: f.blob, start: f.offset } : undefined }));
    const { digest } = await writeLayerTar(entries, tmp, ctx.signal);
    const put = await ctx.store.putFile(tmp, digest);
    return { outputs: { rootfs: { mediaType: 'application/x-tar', digest, size: put.size } } };
  },
  describe(step) {
    return step.as;
  },
};
