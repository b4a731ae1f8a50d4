// copy(): files from the build context (the target file's folder) or an
// artifact of another target (`+other/path`), into the filesystem.
import { z } from 'zod';
import { locSchema, targetRefSchema, withLoc, refOf } from './common.js';
import type { AnyArgs, TargetDef } from '../target.js';

export const copyVersion = 1;

const ARTIFACT = /^((?:git\+[a-z]+:\/\/)?[^+\s]*\+[A-Za-z0-9][A-Za-z0-9._-]*)\/(.*)$/;

export const copySchema = z.object({
  kind: z.literal('copy'),
  sources: z.array(
    z.discriminatedUnion('type', [
      z.object({ type: z.literal('context'), path: z.string().min(1) }),
      z.object({ type: z.literal('artifact'), path: z.string() }).extend(targetRefSchema.shape),
      z.object({ type: z.literal('stage'), stage: z.string(), path: z.string() }),
    ]),
  ).min(1),
  dest: z.string().min(1),
  chown: z.string().regex(/^\d+(:\d+)?$/, 'chown must be numeric uid[:gid]').optional(),
  chmod: z.string().regex(/^[0-7]{3,4}$/, 'chmod must be octal like 0755').optional(),
  loc: locSchema,
});
export type CopyStep = z.infer<typeof copySchema>;
export type CopySource = CopyStep['sources'][number];

export interface ArtifactRef {
  readonly type: 'artifact';
  readonly target: TargetDef;
  readonly path: string;
  readonly args: Record<string, unknown>;
}

/** A typed artifact reference: `copy(artifact(kernel, 'vmlinuz', { FLAVOR }), '/boot/')`. */
export function artifact<S extends AnyArgs>(t: TargetDef<S>, path: string, args?: z.input<S>): ArtifactRef {
  return { type: 'artifact', target: t as unknown as TargetDef, path, args: (args ?? {}) as Record<string, unknown> };
}

function sourceOf(s: string | ArtifactRef): CopySource {
  if (typeof s !== 'string') return { type: 'artifact', ...refOf(s.target, s.args), path: s.path };
  const m = ARTIFACT.exec(s);
  if (m) return { type: 'artifact', ref: m[1], args: {}, path: m[2] };
  return { type: 'context', path: s };
}

export function copy(src: string | ArtifactRef | Array<string | ArtifactRef>, dest: string, opts: { chown?: string; chmod?: string } = {}): CopyStep {
  const sources = (Array.isArray(src) ? src : [src]).map(sourceOf);
  return copySchema.parse(withLoc({ kind: 'copy', sources, dest, ...opts }));
}
