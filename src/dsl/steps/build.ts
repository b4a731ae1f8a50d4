// build(): depend on another target without using its output (Earthly's BUILD).
import { z } from 'zod';
import { locSchema, refOf, targetRefSchema, withLoc } from './common.js';
import type { AnyArgs, TargetDef } from '../target.js';

export const buildVersion = 1;

export const buildSchema = z.object({ kind: z.literal('build'), target: targetRefSchema, loc: locSchema });
export type BuildStep = z.infer<typeof buildSchema>;

export function build<S extends AnyArgs>(t: TargetDef<S>, args?: z.input<S>): BuildStep;
export function build(t: string, args?: Record<string, string>): BuildStep;
export function build(t: TargetDef | string, args: Record<string, unknown> = {}): BuildStep {
  return buildSchema.parse(withLoc({ kind: 'build', target: refOf(t, args) }));
}
