// squashfs(): mksquashfs runs in the tools target's filesystem (a container),
// reading this target's folder bind-mounted read-only from a materialized copy;
// the image it writes is lifted out of the run's layer as an artifact.
import { promises as fs, createReadStream } from 'node:fs';
import type { SquashfsStep } from '../../dsl/steps/squashfs.js';
import { runSchema } from '../../dsl/steps/run.js';
import { flatView, relPath } from '../fs-view.js';
import { materialize, subtree } from '../../oci/layer/materialize.js';
import { indexTar } from '../../oci/layer/tar-index.js';
import { fixedMtime } from '../../oci/layer/entry.js';
import type { ArtifactDesc } from '../context.js';
import type { StepImpl } from './types.js';
import { KairosError } from '../../errors/base.js';
import { cacheMountDir } from '../../executors/cache-mounts.js';

class SquashfsOutputMissingError extends KairosError {
  readonly code = 'SQUASHFS_FAILED';
  constructor(where: string) {
    super(`mksquashfs (${where}) produced no image`, { hint: 'Check that the tools target installs squashfs-tools.' });
  }
}

export const squashfsStep: StepImpl<SquashfsStep> = {
  changesFs: false,
  async inputs(step, ctx) {
    return { tools: ctx.depOfStep(ctx.inst.steps.indexOf(step)).fsKey };
  },
  async execute(step, state, ctx) {
    const tools = ctx.depOfStep(ctx.inst.steps.indexOf(step)).state;
    const view = await flatView(ctx.store, state!);
    const id = `squashfs-src-${process.pid}-${Date.now().toString(36)}`;
    const src = cacheMountDir(ctx.store, id);
    try {
      await materialize(subtree(view.entries, relPath(step.src)), src, ctx.signal);
      const epoch = String(fixedMtime());
      const excludes = step.exclude.flatMap((e) => ['-e', e]);
      const command = ['/bin/sh', '-c', 'mkdir -p /kp-out && exec mksquashfs /kp-src /kp-out/image.squashfs "$@"', 'mksquashfs',
        '-noappend', '-no-progress', '-comp', step.compression, '-mkfs-time', epoch, '-all-time', epoch, ...excludes];
      const run = runSchema.parse({ kind: 'run', command, network: 'none', mounts: [{ type: 'cache', target: '/kp-src', id, sharing: 'locked' }] });
      const exec = await ctx.executor();
      const layer = await exec.run(tools, run, {
        store: ctx.store, signal: ctx.signal, secrets: {}, stepId: ctx.stepId,
        log: (line, stream) => ctx.emit({ type: 'log', target: ctx.inst.label, stream, line }),
      });
      const blob = ctx.store.blobPath(layer.digest);
      const hit = (await indexTar(blob)).find((e) => e.entry.path === 'kp-out/image.squashfs');
      if (!hit) throw new SquashfsOutputMissingError(ctx.where);
      const put = await ctx.store.putStream(createReadStream(blob, { start: hit.offset, end: hit.offset + hit.entry.size - 1 }));
      await fs.rm(blob, { force: true }); // the run's layer was only a carrier
      const artifact: ArtifactDesc = { mediaType: 'application/vnd.squashfs', digest: put.digest, size: put.size, annotations: { 'kairos-pipe.kind': 'file', 'kairos-pipe.mode': '644' } };
      return { outputs: { artifact } };
    } finally {
      await fs.rm(src, { recursive: true, force: true });
    }
  },
  describe(step) {
    return `${step.src} -> ${step.as} (${step.compression})`;
  },
};
