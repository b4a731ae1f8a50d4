// On a target's first cache miss, look further down its plan before executing
// anything: a later step's record holds the whole filesystem after it, so when
// one is there (a cache imported with mode=min carries only each target's last
// state and its outputs; a prune may have dropped intermediate records) the
// steps before it need not run. Keys are a chain of step specs and inputs, not
// of results, so they can be computed ahead without executing.
import { computeKey, keyInputs } from '../cache/key.js';
import type { StepRecord } from '../cache/records.js';
import type { TargetInstance } from '../graph/instance.js';
import type { StepContext } from './context.js';
import { implOf } from './steps/index.js';

export interface Jump {
  /** The step whose record's state the build continues from. */
  to: number;
  /** Keys and records (where there are) of the steps from the miss to `to`. */
  keys: string[];
  records: Array<StepRecord | undefined>;
}

/**
 * Whether a later step of this target had a record with a state here before (a
 * position, as a build or an import leaves it): then looking ahead is worth
 * waiting for the dependencies of later steps. In a cold cache it is not, and
 * waiting would keep the target's first steps from overlapping its dependencies.
 */
export async function laterStateKnown(inst: TargetInstance, from: number, positionOf: (i: number) => string, ctx: StepContext): Promise<boolean> {
  for (let i = inst.steps.length - 1; i > from; i--) {
    if (implOf(inst.steps[i])?.changesFs && (await ctx.store.lastAtPosition(positionOf(i)))?.state) return true;
  }
  return false;
}

/**
 * The deepest step after `from` (the miss, whose key the caller computed) whose
 * record has a state, when every output step on the way has its record too;
 * undefined when there is none. It stops at a noCache step (it must run), at
 * saveImage (its image is the state at its place, which a later record does not
 * hold), at a step whose inputs cannot be computed (the error surfaces when the
 * step's turn comes) and, unless `wait`, at a step whose dependency is not built yet.
 */
export async function deepestHit(inst: TargetInstance, from: number, missKey: string, fsKey: string | null, ctxOf: (i: number) => StepContext, wait: boolean): Promise<Jump | undefined> {
  const first = inst.steps[from];
  // An output step without its record cannot be passed: it needs the state before it.
  if (!implOf(first)?.changesFs && first.kind !== 'build') return undefined;
  let chain = implOf(first)?.changesFs ? missKey : fsKey;
  const keys: string[] = [missKey];
  const records: Array<StepRecord | undefined> = [undefined];
  let best: number | undefined;
  for (let i = from + 1; i < inst.steps.length; i++) {
    const step = inst.steps[i];
    const impl = implOf(step);
    const ctx = ctxOf(i);
    if (!impl || step.kind === 'saveImage') break;
    let key: string;
    try {
      for (const d of inst.deps) {
        if (d.stepIndex !== i) continue;
        if (wait) await ctx.waitDep(d.instanceId);
        else if (!ctx.dep(d.instanceId)) throw new Error('not built yet');
      }
      const ki = keyInputs(chain, step, await impl.inputs(step as never, ctx));
      if ('nonce' in ki.inputs) break;
      key = computeKey(ki);
    } catch {
      break;
    }
    const record = await ctx.store.getRecord(key);
    keys.push(key);
    records.push(record);
    if (impl.changesFs) {
      chain = key;
      if (record?.state) best = i;
    } else if (!record && step.kind !== 'build') {
      // Its outputs are read from its record, and it needs the state before it to make them.
      break;
    }
  }
  if (best === undefined) return undefined;
  const n = best - from + 1;
  return { to: best, keys: keys.slice(0, n), records: records.slice(0, n) };
}
