// Pieces shared by step schemas: a reference to another target, and the
// source location every step carries for error messages.
import { z } from 'zod';
import { callerLoc, type SourceLoc } from '../loc.js';
import { isTargetDef, type AnyArgs, type TargetDef } from '../target.js';

export const locSchema = z.object({ file: z.string(), line: z.number(), column: z.number() }).optional();

/** A reference to a target instance: `+name`, `./dir+name`, or a remote form; `file` pins a typed import. */
export const targetRefSchema = z.object({
  ref: z.string().min(2),
  file: z.string().optional(),
  args: z.record(z.string(), z.unknown()).default({}),
});
export type TargetRef = z.infer<typeof targetRefSchema>;

/** `+name`, `./dir+name`, `../x/y+name`, `github.com/o/r@v+name`, `git+https://...@ref+name`. */
export const TARGET_REF = /^(?:git\+[a-z]+:\/\/[^+\s]*[^+\s/]|[^+\s]*[^+\s/]|\.{1,2}(?:\/[^+\s]*)?|)\+[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function isTargetRefString(s: string): boolean {
  return s.startsWith('+') || s.startsWith('./') || s.startsWith('../') || s.startsWith('git+') || /^[a-z0-9.-]+\.[a-z]+\/.+\+[A-Za-z0-9]/.test(s) ? TARGET_REF.test(s) : false;
}

export function refOf<S extends AnyArgs>(t: TargetDef<S> | string, args: Record<string, unknown> = {}): TargetRef {
  if (isTargetDef(t)) return { ref: `+${t.name}`, file: t.loc?.file, args };
  return { ref: t, args };
}

/** Adds the caller's location; used by every step constructor. */
export function withLoc<T extends object>(step: T): T & { loc?: SourceLoc } {
  return { ...step, loc: callerLoc() };
}
