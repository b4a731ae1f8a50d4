// target(): how an author declares a target. Pure data plus a plan function;
// nothing here touches the engine, the disk or the network.
import { z } from 'zod';
import { callerLoc, type SourceLoc } from './loc.js';
import type { Step } from './steps/index.js';

export const TARGET_BRAND = Symbol.for('kairos-pipe.target');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyArgs = z.ZodObject<any>;

export interface TargetSpec<S extends AnyArgs> {
  /** The name used on the command line: `kairos-pipe run +<name>`. */
  name: string;
  /** One line shown by `kairos-pipe ls`. */
  doc?: string;
  /** Typed args; only these enter the target's cache keys. */
  args?: S;
  /** Describes the steps; must not do I/O. */
  plan: (args: z.output<S>) => Step[];
  /** Build context relative to the target file's folder (default '.'); copy() cannot reach outside it. */
  context?: string;
}

export interface TargetDef<S extends AnyArgs = AnyArgs> {
  readonly [TARGET_BRAND]: true;
  readonly name: string;
  readonly doc?: string;
  readonly args: S;
  readonly plan: (args: z.output<S>) => Step[];
  readonly loc?: SourceLoc;
  readonly context?: string;
}

const NAME = /^[a-z0-9][a-z0-9._-]*$/i;

export function target<S extends AnyArgs = z.ZodObject<Record<string, never>>>(spec: TargetSpec<S>): TargetDef<S> {
  if (!NAME.test(spec.name)) {
    throw new TypeError(`target name '${spec.name}' is not valid: use letters, digits, '.', '_' or '-' (e.g. 'iso', 'kernel-initrd')`);
  }
  return Object.freeze({
    [TARGET_BRAND]: true as const,
    name: spec.name,
    doc: spec.doc,
    args: (spec.args ?? z.object({})) as S,
    plan: spec.plan,
    context: spec.context,
    loc: callerLoc(),
  });
}

export function isTargetDef(v: unknown): v is TargetDef {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[TARGET_BRAND] === true;
}
