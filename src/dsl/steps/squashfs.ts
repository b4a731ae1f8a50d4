// squashfs(): a squashfs image of a folder of the filesystem, made by mksquashfs
// running inside a tools target (a distro image with squashfs-tools), never on
// the host. The image becomes an artifact named `as`.
import { z } from 'zod';
import { locSchema, refOf, targetRefSchema, withLoc } from './common.js';
import type { AnyArgs, TargetDef } from '../target.js';

export const squashfsVersion = 1;

export const squashfsSchema = z.object({
  kind: z.literal('squashfs'),
  src: z.string().startsWith('/').default('/'),
  as: z.string().min(1),
  tools: targetRefSchema,
  compression: z.enum(['gzip', 'xz', 'zstd', 'lz4']).default('gzip'),
  exclude: z.array(z.string()).default([]),
  local: z.boolean().default(false),
  loc: locSchema,
});
export type SquashfsStep = z.infer<typeof squashfsSchema>;

export interface SquashfsOptions<S extends AnyArgs> {
  src?: string;
  as: string;
  /** The target whose filesystem has mksquashfs, and its args. */
  tools: TargetDef<S> | string;
  toolsArgs?: z.input<S>;
  compression?: 'gzip' | 'xz' | 'zstd' | 'lz4';
  exclude?: string[];
  local?: boolean;
}

export function squashfs<S extends AnyArgs>(opts: SquashfsOptions<S>): SquashfsStep {
  const { tools, toolsArgs, ...rest } = opts;
  return squashfsSchema.parse(withLoc({ kind: 'squashfs', ...rest, tools: refOf(tools, (toolsArgs ?? {}) as Record<string, unknown>) }));
}
