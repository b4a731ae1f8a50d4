// A target instance: one target with one set of canonical args. The same target
// with the same args is one node, however many paths reach it.
import { createHash } from 'node:crypto';
import { relative } from 'node:path';
import { canonicalJson } from '../cache/canonical.js';
import type { LoadedTarget } from '../load/project.js';
import type { Step } from '../dsl/steps/index.js';

export type EdgeKind = 'from' | 'copy' | 'build' | 'tools';

export interface Dependency {
  kind: EdgeKind;
  instanceId: string;
  stepIndex: number;
}

export interface TargetInstance {
  id: string;
  target: LoadedTarget;
  /** Args after zod parsing and defaults. */
  args: Record<string, unknown>;
  steps: Step[];
  deps: Dependency[];
  /** `+name` or `+name(A=1,B=x)` when args differ from the defaults. */
  label: string;
}

export function instanceId(target: LoadedTarget, args: Record<string, unknown>): string {
  return createHash('sha256').update(`${target.file}\0${target.def.name}\0${canonicalJson(args)}`).digest('hex').slice(0, 16);
}

export function instanceLabel(target: LoadedTarget, args: Record<string, unknown>, defaults: Record<string, unknown>): string {
  const shown = Object.keys(args)
    .sort()
    .filter((k) => canonicalJson(args[k]) !== canonicalJson(defaults[k]))
    .map((k) => `${k}=${String(args[k])}`);
  const prefix = target.project.root === process.cwd() ? '' : `./${relative(process.cwd(), target.project.root)}`;
  return `${prefix}+${target.def.name}${shown.length ? `(${shown.join(',')})` : ''}`;
}

/** `file:line` of a step or target, relative to the cwd, for messages. */
export function whereOf(loc: { file: string; line: number } | undefined, fallback: string): string {
  return loc ? `${relative(process.cwd(), loc.file) || loc.file}:${loc.line}` : fallback;
}
