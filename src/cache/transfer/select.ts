// Which step records an export after a build carries. mode=max: every step the build
// used or wrote. mode=min: per target instance only its last step that has a state
// (the whole filesystem after it) and the steps that produced outputs or artifacts:
// what the requested targets' results need, not the intermediate states. A build
// warmed from it jumps to that last state (src/scheduler/deepest-hit.ts).
import type { StepRecord } from '../records.js';

export interface BuiltStep {
  target: string;
  index: number;
  key: string;
}

/** Collects the keys of a build from its events (structural, so cache/ needs nothing of the scheduler). */
export class BuildSteps {
  readonly steps: BuiltStep[] = [];
  observe(e: { type: string; target?: string; index?: number; key?: string; status?: string }): void {
    if (e.type !== 'step' || !e.key || !e.target || e.index === undefined) return;
    if (e.status === 'cached' || e.status === 'done') this.steps.push({ target: e.target, index: e.index, key: e.key });
  }
}

export function selectRecords(steps: BuiltStep[], records: Map<string, StepRecord>, mode: 'min' | 'max'): StepRecord[] {
  const byKey = (k: string) => records.get(k);
  if (mode === 'max') return dedupe(steps.map((s) => byKey(s.key)));
  const last = new Map<string, BuiltStep>();
  for (const s of steps) if (byKey(s.key)?.state && (last.get(s.target)?.index ?? -1) < s.index) last.set(s.target, s);
  const chosen = steps.filter((s) => last.get(s.target) === s || Object.keys(byKey(s.key)?.outputs ?? {}).length > 0);
  return dedupe(chosen.map((s) => byKey(s.key)));
}

function dedupe(list: Array<StepRecord | undefined>): StepRecord[] {
  const seen = new Map<string, StepRecord>();
  for (const r of list) if (r && !seen.has(r.key)) seen.set(r.key, r);
  return [...seen.values()];
}
