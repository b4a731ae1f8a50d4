// from(): the base of a target: a registry image, another target's filesystem,
// a Dockerfile flavor, or nothing ('scratch'). Must be the first step.
import { z } from 'zod';
import { locSchema, refOf, targetRefSchema, withLoc, isTargetRefString } from './common.js';
import { isTargetDef, type AnyArgs, type TargetDef } from '../target.js';

export const fromVersion = 1;

export const dockerfileSourceSchema = z.object({
  type: z.literal('dockerfile'),
  path: z.string(),
  stage: z.string().optional(),
  args: z.record(z.string(), z.string()).default({}),
});

export const fromSchema = z.object({
  kind: z.literal('from'),
  source: z.discriminatedUnion('type', [
    z.object({ type: z.literal('scratch') }),
    z.object({ type: z.literal('image'), ref: z.string().min(1), platform: z.string().default('linux/amd64') }),
    z.object({ type: z.literal('target') }).extend(targetRefSchema.shape),
    dockerfileSourceSchema,
  ]),
  loc: locSchema,
});
export type FromStep = z.infer<typeof fromSchema>;

export interface DockerfileRef {
  readonly type: 'dockerfile';
  readonly path: string;
  readonly stage?: string;
}

/** A Dockerfile as a base: `from(dockerfile('flavors/Dockerfile.ubuntu'), { FLAVOR_RELEASE: '24.04' })`. */
export function dockerfile(path: string, opts: { stage?: string } = {}): DockerfileRef {
  return { type: 'dockerfile', path, stage: opts.stage };
}

export function from<S extends AnyArgs>(base: TargetDef<S>, args?: z.input<S>): FromStep;
export function from(base: string | DockerfileRef, args?: Record<string, string>): FromStep;
export function from(base: TargetDef | string | DockerfileRef, args: Record<string, unknown> = {}): FromStep {
  let source: unknown;
  if (isTargetDef(base)) source = { type: 'target', ...refOf(base, args) };
  else if (typeof base === 'object') source = { type: 'dockerfile', path: base.path, stage: base.stage, args };
  else if (base === 'scratch') source = { type: 'scratch' };
  else if (isTargetRefString(base)) source = { type: 'target', ref: base, args };
  else source = { type: 'image', ref: base, platform: typeof args.platform === 'string' ? args.platform : undefined };
  return fromSchema.parse(withLoc({ kind: 'from', source }));
}
