// The daemonless executor: snapshots stacked with overlayfs, the command run by
// runc, the upper dir turned into the new layer. Every run gets its own dir in
// the store's tmp/ (upper, work, rootfs) and a bundle dir in RAM; whatever happens,
// it is unmounted and the bundle removed before run() returns. The run dir is
// removed in the background (see runDirsRemoved): on an ext4 mounted with
// `discard` (as on the benchmark machine) each freed directory costs ~4 ms, a
// step leaves seven (three made by overlayfs in the work dir), and a big upper
// dir takes far longer.
import { chmodSync, mkdirSync, promises as fs, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { RunStep } from '../../dsl/steps/run.js';
import type { FsState, LayerDesc } from '../../oci/types.js';
import type { Executor, RunContext } from '../types.js';
import { processSpec, secretValues } from '../process.js';
import { dirView, resolveInRoot } from '../lower-view.js';
import { resolveUser } from '../users.js';
import { acquireAll, releaseAll, type HeldMount } from '../cache-mounts.js';
import { probeMounts } from '../mount-stubs.js';
import { OutputLines } from '../output.js';
import { ExecutorError, RunAbortedError, RunFailedError } from '../errors.js';
import { emptySnapshot, ensureSnapshots } from './snapshots.js';
import { mountOverlay, ramDir, unmount } from './mount.js';
import { mountDestinations, prepareBundle } from './bundle.js';
import { containerId, launchRunc, type RuncLaunch, type RuncOptions } from './runc.js';
import { diffUpper } from './diff.js';
import { sweepKilledBuilds } from './killed-builds.js';
import { OWNED } from '../../cache/owned-name.js';

export interface OciExecutorOptions {
  runc?: string;
  /** runc state root (default /run/kairos-pipe/runc). */
  runcRoot?: string;
}

export const DEFAULT_RUNC_ROOT = '/run/kairos-pipe/runc';

const removing = new Set<Promise<void>>();
/** Caches where this process removed what killed builds left (once each). */
const swept = new Map<string, Promise<unknown>>();

/**
 * Resolves once the run dirs of finished steps are gone. Pending removals keep
 * Node alive, so a process that ends normally waits for them; a killed one
 * leaves them in tmp/ for `cache prune`.
 */
export async function runDirsRemoved(): Promise<void> {
  while (removing.size) await Promise.all(removing);
}

function removeInBackground(dir: string): void {
  const p: Promise<void> = fs
    .rm(dir, { recursive: true, force: true })
    .catch(() => undefined) // left in tmp/ for `cache prune`; the step's result stands
    .finally(() => removing.delete(p));
  removing.add(p);
}

export class OciExecutor implements Executor {
  readonly kind = 'oci' as const;
  readonly runc: RuncOptions;

  constructor(opts: OciExecutorOptions = {}) {
    this.runc = { runc: opts.runc ?? 'runc', root: opts.runcRoot ?? DEFAULT_RUNC_ROOT };
  }

  /**
   * An interactive shell on `state` with `step`'s env, mounts and working dir
   * (for --shell-on-failure and `kairos-pipe debug`). Changes are thrown away.
   */
  async shell(state: FsState, ctx: Pick<RunContext, 'store' | 'signal'>, step?: RunStep): Promise<number> {
    const base: RunStep = step ?? { kind: 'run', command: ['/bin/sh'], env: {}, mounts: [], secrets: [], network: 'default', privileged: false, noCache: false, cache: 'never' };
    const shellStep: RunStep = { ...base, command: ['/bin/sh'], secrets: [] };
    const proc = processSpec(state, shellStep, {}, 'debug');
    const lowers = state.layers.length ? await ensureSnapshots(ctx.store, state.layers) : [await emptySnapshot(ctx.store)];
    const runDir = ctx.store.tmpPath(OWNED.debugDir);
    const dirs = { upper: join(runDir, 'upper'), work: join(runDir, 'work'), rootfs: join(runDir, 'rootfs') };
    const undo: Array<() => Promise<unknown>> = [() => fs.rm(runDir, { recursive: true, force: true })];
    let held: HeldMount[] = [];
    try {
      for (const d of Object.values(dirs)) await fs.mkdir(d, { recursive: true, mode: 0o700 });
      await fs.chmod(dirs.upper, 0o755);
      await mountOverlay(lowers, dirs.upper, dirs.work, dirs.rootfs);
      undo.push(() => unmount(dirs.rootfs));
      const ram = await ramDir(join(runDir, 'bundle'));
      undo.push(ram.dispose);
      const view = dirView(dirs.rootfs);
      const user = await resolveUser(view, proc.user, 'debug');
      await fs.mkdir(join(dirs.rootfs, await resolveInRoot(view, proc.cwd)), { recursive: true, mode: 0o755 });
      held = await acquireAll(ctx.store, shellStep.mounts, ctx.signal);
      const cfg = prepareBundle({ bundle: ram.dir, rootfs: dirs.rootfs, step: shellStep, proc, user, cwd: proc.cwd, cacheMounts: held });
      // A terminal for the shell: runc in the foreground relays it to ours.
      cfg.process.terminal = Boolean(process.stdin.isTTY);
      writeFileSync(join(ram.dir, 'config.json'), JSON.stringify(cfg), { mode: 0o600 });
      const id = containerId();
      const child = spawn(this.runc.runc, ['--root', this.runc.root, 'run', '--bundle', ram.dir, id], { stdio: 'inherit' });
      const code = await new Promise<number>((res) => child.on('close', (c) => res(c ?? 1)));
      await fs.rm(join(this.runc.root, id), { recursive: true, force: true }).catch(() => undefined);
      return code;
    } finally {
      await releaseAll(held);
      for (const f of undo.reverse()) await f().catch(() => undefined);
    }
  }

  async run(state: FsState, step: RunStep, ctx: RunContext): Promise<LayerDesc> {
    ctx.signal.throwIfAborted();
    const proc = processSpec(state, step, ctx.secrets, ctx.stepId);
    if (!swept.has(ctx.store.root)) swept.set(ctx.store.root, sweepKilledBuilds(ctx.store.root, this.runc));
    await swept.get(ctx.store.root);
    const lowers = state.layers.length ? await ensureSnapshots(ctx.store, state.layers) : [await emptySnapshot(ctx.store)];
    if (ctx.signal.aborted) throw new RunAbortedError(ctx.stepId, step);
    const runDir = ctx.store.tmpPath(OWNED.runDir);
    const dirs = { upper: join(runDir, 'upper'), work: join(runDir, 'work'), rootfs: join(runDir, 'rootfs') };
    const out = new OutputLines(ctx.log, secretValues(step, ctx.secrets));
    let runc: RuncLaunch | undefined;
    let unmounted = false;
    let held: HeldMount[] = [];
    try {
      // Four empty directories: sync calls, microseconds each (a trip through
      // libuv's thread pool costs 0.3–1 ms on a busy machine).
      mkdirSync(runDir, { recursive: true, mode: 0o700 });
      // The merged root takes its owner and mode from the upper dir's root.
      mkdirSync(dirs.upper, { mode: 0o755 });
      chmodSync(dirs.upper, 0o755);
      mkdirSync(dirs.work, { mode: 0o700 });
      mkdirSync(dirs.rootfs, { mode: 0o700 });
      // runc waits for its config (see runc.ts): started by the previous step, or
      // now, its own start-up running while the overlay is mounted and the bundle written.
      runc = await launchRunc(this.runc, out, ctx.signal, join(runDir, 'bundle'));
      await mountOverlay(lowers, dirs.upper, dirs.work, dirs.rootfs).catch((e) => {
        throw new ExecutorError(ctx.stepId, 'mounting the overlay failed', e);
      });

      const view = dirView(dirs.rootfs);
      // Independent lookups in the merged root, side by side.
      const [user, probe, cwdRel] = await Promise.all([
        resolveUser(view, proc.user, ctx.stepId),
        probeMounts(view, mountDestinations(step)),
        resolveInRoot(view, proc.cwd),
      ]);
      // Like Docker, a missing working directory is created (root, 0755) and is part of the layer.
      if (cwdRel) mkdirSync(join(dirs.rootfs, cwdRel), { recursive: true, mode: 0o755 });

      held = await acquireAll(ctx.store, step.mounts, ctx.signal);
      const config = prepareBundle({ bundle: runc.bundle.dir, rootfs: dirs.rootfs, step, proc, user, cwd: proc.cwd, cacheMounts: held });
      if (ctx.signal.aborted) throw new RunAbortedError(ctx.stepId, step);
      const res = await runc.start(config);
      await releaseAll(held);
      held = [];
      if (res.aborted || ctx.signal.aborted) throw new RunAbortedError(ctx.stepId, step);
      if (res.runtimeError) throw new ExecutorError(ctx.stepId, `runc could not start the command: ${res.runtimeError}`);
      if (res.exitCode !== 0) throw new RunFailedError(ctx.stepId, res.exitCode, out.tail, step);
      // Unmount first: nothing can write to the upper dir while we read it.
      await unmount(dirs.rootfs);
      unmounted = true;
      return await diffUpper(ctx.store, dirs.upper, probe, ctx.signal);
    } finally {
      // A runc that never got its config is killed; it had made nothing yet.
      await runc?.cancel();
      await releaseAll(held);
      // Mounts first: the run dir holds the overlay and maybe the bundle's tmpfs.
      if (!unmounted) await unmount(dirs.rootfs).catch(() => undefined);
      await runc?.bundle.dispose().catch(() => undefined);
      removeInBackground(runDir);
    }
  }
}
