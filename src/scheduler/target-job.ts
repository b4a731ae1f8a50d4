// Runs one target instance: computes each step's key top-down, uses the cached
// record where there is one and executes only what missed. A step's record holds
// the whole state after it, so a hit needs no unpacking at all.
import { relative } from 'node:path';
import { computeKey, keyInputs } from '../cache/key.js';
import type { StepRecord } from '../cache/records.js';
import { whereOf, type TargetInstance } from '../graph/instance.js';
import { StepFailedError, KairosError } from '../errors/index.js';
import type { FsState } from '../oci/types.js';
import type { ArtifactDesc, PlannedOutput, StepContext, TargetResult } from './context.js';
import { explainMiss } from './explain.js';
import { implOf } from './steps/index.js';
import { relPath } from './fs-view.js';
import { noteVolatile } from '../cache/journal/input-log.js';
import { deepestHit, laterStateKnown } from './deepest-hit.js';

export type JobEnv = Omit<StepContext, 'inst' | 'stepId' | 'where' | 'depOfStep'>;

class UnsupportedStepError extends KairosError {
  readonly code = 'STEP_UNSUPPORTED';
  constructor(kind: string, where: string) {
    super(`${kind}() (${where}) is not supported by this version of kairos-pipe`, { hint: 'Update kairos-pipe, or remove the step.' });
  }
}

/** What a step's events call it: its kind and its own description. */
function describeStep(step: TargetInstance['steps'][number]): string {
  return `${step.kind} ${implOf(step)!.describe(step as never)}`;
}

function imageFileName(name: string): string {
  return `${name.replace(/^.*\//, '').replace(/[:@]/g, '-')}.oci.tar`;
}

export async function runTarget(inst: TargetInstance, env: JobEnv): Promise<TargetResult> {
  const result: TargetResult = { fsKey: null, state: undefined as unknown as FsState, artifacts: new Map(), outputs: [], executed: 0, cached: 0 };
  let state: FsState | undefined;
  const depOfStep = (stepIndex: number, nth = 0): TargetResult => {
    const deps = inst.deps.filter((d) => d.stepIndex === stepIndex);
    const d = deps[nth] ?? deps[0];
    if (!d) throw new Error(`internal: no dependency recorded for step ${stepIndex} of ${inst.label}`);
    return env.dep(d.instanceId);
  };
  const relFile = relative(inst.target.project.root, inst.target.file);
  const positionOf = (i: number): string => `${relFile}#${inst.target.def.name}#${i}`;
  const ctxOf = (i: number): StepContext => ({ ...env, inst, stepId: `${inst.label}[${i}]`, where: whereOf(inst.steps[i].loc, `${inst.label} step ${i + 1}`), depOfStep });
  let lookedAhead = false;
  env.emit({ type: 'target-start', target: inst.label });

  for (let i = 0; i < inst.steps.length; i++) {
    env.signal.throwIfAborted();
    const step = inst.steps[i];
    const ctx = ctxOf(i);
    const { where, stepId } = ctx;
    const impl = implOf(step);
    if (!impl) throw new UnsupportedStepError(step.kind, where);
    if (step.kind !== 'from' && step.kind !== 'bootstrap' && step.kind !== 'build' && !state) {
      throw new StepFailedError(stepId, where, new Error(`${step.kind}() needs a filesystem: start the plan with from() or bootstrap()`));
    }
    // Wait here, not at the start, for the targets this step reads.
    for (const d of inst.deps) if (d.stepIndex === i) await env.waitDep(d.instanceId);
    const description = describeStep(step);
    const started = Date.now();
    let record: StepRecord | undefined;
    let key: string;
    try {
      const inputs = await impl.inputs(step as never, ctx);
      const ki = keyInputs(result.fsKey, step, inputs);
      key = computeKey(ki);
      if ('nonce' in ki.inputs) noteVolatile(`${stepId} is never cached (noCache)`);
      const position = positionOf(i);
      record = env.settings.noCache ? undefined : await env.store.getRecord(key);
      if (!record && !env.settings.noCache && !lookedAhead && !('nonce' in ki.inputs)) {
        lookedAhead = true;
        const jump = await deepestHit(inst, i, key, result.fsKey, ctxOf, await laterStateKnown(inst, i, positionOf, ctx));
        if (jump) {
          for (let k = i; k <= jump.to; k++) {
            const s = inst.steps[k];
            const r = jump.records[k - i];
            env.emit({ type: 'step', target: inst.label, index: k, kind: s.kind, description: describeStep(s), status: 'cached', key: jump.keys[k - i] });
            result.cached++;
            // A build() step's outputs are its dependency's; it may have no record of its own.
            if (!implOf(s)!.changesFs && (r || s.kind === 'build')) collectOutputs(inst, s, r ?? ({} as StepRecord), result, depOfStep, k, state);
          }
          state = jump.records[jump.to - i]!.state;
          result.fsKey = jump.keys[jump.to - i];
          i = jump.to;
          continue;
        }
      }
      if (record) {
        result.cached++;
        env.emit({ type: 'step', target: inst.label, index: i, kind: step.kind, description, status: 'cached', key });
      } else {
        const explain = env.settings.explain ? explainMiss(ki, await env.store.lastAtPosition(position), env.settings.noCache) : undefined;
        env.emit({ type: 'step', target: inst.label, index: i, kind: step.kind, description, status: 'running', key, explain });
        const outcome = await env.slot(() => impl.execute(step as never, state, ctx, inputs));
        record = { key, kind: step.kind, position, inputs: ki as unknown as Record<string, unknown>, state: outcome.state, outputs: outcome.outputs, created: new Date().toISOString() };
        await env.store.putRecord(record);
        await env.store.setPosition(position, key);
        result.executed++;
        env.emit({ type: 'step', target: inst.label, index: i, kind: step.kind, description, status: 'done', key, ms: Date.now() - started });
      }
    } catch (e) {
      env.emit({ type: 'step', target: inst.label, index: i, kind: step.kind, description, status: 'failed', ms: Date.now() - started });
      if (env.signal.aborted) throw env.signal.reason ?? e;
      if (e instanceof KairosError && !(e instanceof StepFailedError) && e.code !== 'RUN_FAILED') throw e;
      const failed = e instanceof StepFailedError ? e : new StepFailedError(stepId, where, e);
      if (step.kind === 'run' && state) failed.debug = { state, step };
      throw failed;
    }
    if (impl.changesFs) {
      state = record.state;
      result.fsKey = key;
    }
    collectOutputs(inst, step, record, result, depOfStep, i, state);
  }
  result.state = state as FsState;
  return result;
}

function collectOutputs(inst: TargetInstance, step: TargetInstance['steps'][number], record: StepRecord, result: TargetResult, depOfStep: (i: number) => TargetResult, i: number, state: FsState | undefined): void {
  const out = record.outputs ?? {};
  const plan = (o: Omit<PlannedOutput, 'target'>) => result.outputs.push({ ...o, target: inst.label });
  switch (step.kind) {
    case 'saveArtifact': {
      const a = out.artifact as ArtifactDesc;
      result.artifacts.set(relPath(step.as), a);
      if (step.local) plan({ path: step.as, blob: a, mode: parseInt(a.annotations['kairos-pipe.mode'], 8) });
      break;
    }
    case 'rootfs':
      plan({ path: step.as, blob: out.rootfs });
      break;
    case 'iso':
      plan({ path: step.as, blob: out.iso });
      plan({ path: `${step.as}.sha256`, blob: out.sha256 });
      break;
    case 'squashfs': {
      const a = out.artifact as ArtifactDesc;
      result.artifacts.set(relPath(step.as), a);
      if (step.local) plan({ path: step.as, blob: a });
      break;
    }
    case 'saveImage': {
      const layers = state?.layers ?? [];
      plan({ path: step.as ?? imageFileName(step.name), image: { name: step.name, manifest: out.manifest, config: out.config, layers, push: step.push } });
      break;
    }
    case 'build':
      result.outputs.push(...depOfStep(i).outputs);
      break;
    default:
  }
}
