// A whole build: runs the graph's target instances in parallel over the cache,
// then writes the outputs of the requested targets. Reports only through events.
import { CacheStore } from '../cache/store.js';
import { StatIndex } from '../cache/stat-index.js';
import type { BuildGraph } from '../graph/build-graph.js';
import { promises as fs, constants as fsc } from 'node:fs';
import { KairosError, BuildCancelledError, OutputNotWritableError } from '../errors/index.js';
import type { Executor } from '../executors/types.js';
import type { BuildSettings, PlannedOutput, TargetResult } from './context.js';
import type { EventSink } from './events.js';
import { runDag } from './dag-runner.js';
import { runTarget } from './target-job.js';
import { writeOutputs } from './outputs.js';
import { pushImages } from './push.js';
import { saveDebugRecord, type DebugRecord } from './debug-record.js';
import { StepFailedError } from '../errors/index.js';
import PQueue from 'p-queue';
import { DependencyBoard, DependencyFailedError } from './dependency-wait.js';

export interface BuildOptions extends BuildSettings {
  cacheDir: string;
  outputDir: string;
  jobs: number;
  keepGoing: boolean;
  signal: AbortSignal;
  onEvent: EventSink;
  /** Picks the executor on first use of run(); injected so tests and the CLI choose. */
  selectExecutor?: () => Promise<Executor>;
}

export interface BuildSummary {
  ok: boolean;
  results: Map<string, TargetResult>;
  errors: unknown[];
  /** Failed run() steps that `kairos-pipe debug <id>` can reopen. */
  debug: Array<DebugRecord & { id: string }>;
}

function errorEvent(e: unknown, target?: string) {
  if (e instanceof KairosError) return { type: 'error' as const, target, code: e.code, message: e.message, hint: e.hint };
  return { type: 'error' as const, target, code: 'INTERNAL', message: (e as Error)?.stack ?? String(e), hint: 'This is a bug in kairos-pipe; please report it with this message.' };
}

export async function runBuild(g: BuildGraph, opts: BuildOptions): Promise<BuildSummary> {
  const started = Date.now();
  // Counted from step events, so the steps of a target that failed later still count.
  let executed = 0;
  let cached = 0;
  const emit: EventSink = (e) => {
    if (e.type === 'step' && e.status === 'done') executed++;
    if (e.type === 'step' && e.status === 'cached') cached++;
    opts.onEvent(e);
  };
  // An output folder we cannot write is bad input: say so before anything is built or cached.
  try {
    await fs.mkdir(opts.outputDir, { recursive: true });
    await fs.access(opts.outputDir, fsc.W_OK);
  } catch (e) {
    throw new OutputNotWritableError(opts.outputDir, e);
  }
  const store = await CacheStore.open(opts.cacheDir);
  const statIndex = await StatIndex.open(store.root);
  const results = new Map<string, TargetResult>();
  let executor: Promise<Executor> | undefined;
  const getExecutor = () => {
    if (!opts.selectExecutor) return Promise.reject(new Error('no executor configured'));
    executor ??= opts.selectExecutor();
    return executor;
  };
  emit({ type: 'start', targets: g.instances.size, jobs: opts.jobs, cacheDir: store.root });

  // Every target starts at once and waits for a dependency only at the step that
  // reads it; --jobs bounds the steps executing at the same time.
  const board = new DependencyBoard();
  const slots = new PQueue({ concurrency: opts.jobs });
  const nodes = [...g.instances.values()].map((i) => ({ id: i.id, deps: [] as string[] }));
  const outcomes = await runDag<TargetResult>(nodes, {
    concurrency: Math.max(1, nodes.length),
    keepGoing: opts.keepGoing,
    signal: opts.signal,
    run: async (id, signal) => {
      const inst = g.instances.get(id)!;
      const t0 = Date.now();
      try {
        const r = await runTarget(inst, {
          store, statIndex, settings: opts, signal, emit,
          dep: (depId) => results.get(depId)!,
          waitDep: (depId) => board.wait(depId, signal),
          slot: (fn) => slots.add(fn, { signal }) as Promise<never>,
          executor: getExecutor,
        });
        results.set(id, r);
        board.done(id, r);
        emit({ type: 'target-done', target: inst.label, ok: true, ms: Date.now() - t0, executed: r.executed, cached: r.cached });
        return r;
      } catch (e) {
        board.failed(id, inst.label);
        if (!(e instanceof DependencyFailedError)) emit({ type: 'target-done', target: inst.label, ok: false, ms: Date.now() - t0, executed: 0, cached: 0 });
        throw e;
      }
    },
  });
  await statIndex.save().catch(() => undefined);
  if (executor) await (await executor.catch(() => undefined))?.close?.();

  const errors: unknown[] = [];
  const failed: string[] = [];
  const debug: BuildSummary['debug'] = [];
  for (const [id, o] of outcomes) {
    const label = g.instances.get(id)!.label;
    if (o.status === 'failed' && !(o.error instanceof DependencyFailedError)) {
      errors.push(o.error);
      failed.push(label);
      emit(errorEvent(o.error, label));
      if (o.error instanceof StepFailedError && o.error.debug) {
        const rec = { stepId: o.error.stepId, ...(o.error.debug as Omit<DebugRecord, 'stepId'>) };
        const debugId = await saveDebugRecord(store, rec).catch(() => undefined);
        if (debugId) {
          debug.push({ ...rec, id: debugId });
          emit({ type: 'warning', target: label, message: `open a shell where it failed: kairos-pipe debug ${debugId}` });
        }
      }
    }
  }
  if (opts.signal.aborted && errors.length === 0) {
    const e = new BuildCancelledError();
    errors.push(e);
    emit(errorEvent(e));
  }

  let outputs: string[] = [];
  let bytesWritten = 0;
  const rootsOk = g.roots.every((r) => results.has(r));
  if (errors.length === 0 || (opts.keepGoing && rootsOk && !opts.signal.aborted)) {
    const planned: PlannedOutput[] = [];
    for (const r of new Set(g.roots)) planned.push(...results.get(r)!.outputs);
    try {
      const written = await writeOutputs(store, dedupeOutputs(planned), opts.outputDir, opts.signal);
      for (const w of written) {
        emit({ type: 'output', target: w.target, path: w.path, bytes: w.bytes, written: w.written });
        if (w.written) bytesWritten += w.bytes;
      }
      outputs = written.map((w) => w.path);
      if (opts.push) await pushImages(store, planned, opts, emit, opts.signal);
    } catch (e) {
      errors.push(e);
      emit(errorEvent(e));
    }
  }
  const ok = errors.length === 0;
  emit({ type: 'summary', ok, targets: g.instances.size, executed, cached, wallMs: Date.now() - started, bytesWritten, outputs, failed });
  return { ok, results, errors, debug };
}

function dedupeOutputs(list: PlannedOutput[]): PlannedOutput[] {
  const seen = new Map<string, PlannedOutput>();
  for (const o of list) seen.set(o.path, o);
  return [...seen.values()];
}
