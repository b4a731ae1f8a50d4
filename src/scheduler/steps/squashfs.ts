// squashfs(): mksquashfs runs in the tools target's filesystem (a container),
// reading this target's folder from /kp-src and writing the image to /kp-out,
// both host folders bound in as cache mounts for this one run. With the oci
// executor /kp-src is the layer chain itself, its snapshots stacked read-only by
// overlayfs (no copy); otherwise it is a materialized copy. The image is hashed
// once and moved into the store as the artifact (no tar, no second copy).
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { SquashfsStep } from '../../dsl/steps/squashfs.js';
import { runSchema } from '../../dsl/steps/run.js';
import { flatView, relPath } from '../fs-view.js';
import { materialize, subtree } from '../../oci/layer/materialize.js';
import { fixedMtime } from '../../oci/layer/entry.js';
import { sha256File } from '../../cache/digest.js';
import type { ArtifactDesc } from '../context.js';
import type { StepImpl } from './types.js';
import { KairosError } from '../../errors/base.js';
import { PathNotFoundError } from '../../errors/index.js';
import { cacheMountDir } from '../../executors/cache-mounts.js';
import { OWNED, ownedName } from '../../cache/owned-name.js';
import { mountChain } from './chain-mount.js';

class SquashfsOutputMissingError extends KairosError {
  readonly code = 'SQUASHFS_FAILED';
  constructor(where: string) {
    super(`mksquashfs (${where}) produced no image`, { hint: 'Check that the tools target installs squashfs-tools.' });
  }
}

/**
 * What the image is made from, beyond the spec: bumped when the way the source
 * tree is presented changes the image (2: xattrs and device nodes kept).
 */
const SOURCE_FORMAT = 2;

export const squashfsStep: StepImpl<SquashfsStep> = {
  changesFs: false,
  async inputs(step, ctx) {
    return { tools: ctx.depOfStep(ctx.inst.steps.indexOf(step)).fsKey, source: SOURCE_FORMAT };
  },
  async execute(step, state, ctx) {
    const tools = ctx.depOfStep(ctx.inst.steps.indexOf(step)).state;
    const exec = await ctx.executor();
    const srcId = ownedName(OWNED.squashfsSource);
    const outId = ownedName('squashfs-out');
    const srcDir = cacheMountDir(ctx.store, srcId);
    const outDir = cacheMountDir(ctx.store, outId);
    const sub = relPath(step.src);
    let unmountSrc: (() => Promise<void>) | undefined;
    try {
      if (exec.kind === 'oci' && state!.layers.length) {
        unmountSrc = await mountChain(ctx.store, state!.layers, srcDir);
        const st = await fs.lstat(join(srcDir, sub)).catch(() => undefined);
        if (!st?.isDirectory()) throw new PathNotFoundError(step.src, ctx.inst.target.def.name, ctx.where);
      } else {
        const view = await flatView(ctx.store, state!);
        if (sub && view.byPath.get(sub)?.entry.type !== 'directory') throw new PathNotFoundError(step.src, ctx.inst.target.def.name, ctx.where);
        await materialize(subtree(view.entries, sub), srcDir, ctx.signal, { faithful: true });
      }
      await fs.mkdir(outDir, { recursive: true, mode: 0o755 });
      const epoch = String(fixedMtime());
      const excludes = step.exclude.flatMap((e) => ['-e', e]);
      const level = step.level === undefined ? [] : ['-Xcompression-level', String(step.level)];
      const source = sub && unmountSrc ? `/kp-src/${sub}` : '/kp-src';
      const command = ['/bin/sh', '-c', 'exec mksquashfs "$0" /kp-out/image.squashfs "$@"', source,
        '-noappend', '-no-progress', '-comp', step.compression, ...level, '-mkfs-time', epoch, '-all-time', epoch, ...excludes];
      const run = runSchema.parse({
        kind: 'run', command, network: 'none',
        mounts: [{ type: 'cache', target: '/kp-src', id: srcId, sharing: 'locked' }, { type: 'cache', target: '/kp-out', id: outId, sharing: 'locked' }],
      });
      // The run's own layer is empty (both folders are mounts) and is not kept.
      await exec.run(tools, run, {
        store: ctx.store, signal: ctx.signal, secrets: {}, stepId: ctx.stepId,
        log: (line, stream) => ctx.emit({ type: 'log', target: ctx.inst.label, stream, line }),
      });
      const image = join(outDir, 'image.squashfs');
      if (!(await fs.stat(image).catch(() => undefined))?.isFile()) throw new SquashfsOutputMissingError(ctx.where);
      ctx.signal.throwIfAborted();
      const { digest } = await sha256File(image);
      const put = await ctx.store.putFile(image, digest);
      const artifact: ArtifactDesc = { mediaType: 'application/vnd.squashfs', digest: put.digest, size: put.size, annotations: { 'kairos-pipe.kind': 'file', 'kairos-pipe.mode': '644' } };
      return { outputs: { artifact } };
    } finally {
      // Never remove the source folder while the chain may still be mounted on it.
      const unmounted = unmountSrc ? await unmountSrc().then(() => true, () => false) : true;
      await Promise.all([...(unmounted ? [srcDir] : []), outDir].map((d) => fs.rm(d, { recursive: true, force: true })));
      await Promise.all([srcDir, outDir].map((d) => fs.rm(`${d}.lock`, { force: true })));
    }
  },
  describe(step) {
    return `${step.src} -> ${step.as} (${step.compression}${step.level === undefined ? '' : ` ${step.level}`})`;
  },
};
