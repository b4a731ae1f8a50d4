// squashfs(): a squashfs image of a folder of the filesystem, made by mksquashfs
// running inside a tools target (a distro image with squashfs-tools), never on
// the host. The image becomes an artifact named `as`.
//
// The default is zstd at level 3: on a 630 MB Debian rootfs it takes 2.8 s where
// mksquashfs's own default (gzip at level 9) takes 82 s, for an image within 2 %
// of its size. Any kernel since 4.14 reads it (CONFIG_SQUASHFS_ZSTD).
import { z } from 'zod';
import { locSchema, refOf, targetRefSchema, withLoc } from './common.js';
import type { AnyArgs, TargetDef } from '../target.js';

export const squashfsVersion = 2;

export type SquashfsCompression = 'gzip' | 'xz' | 'zstd' | 'lz4';

/** The levels mksquashfs takes with -Xcompression-level; xz and lz4 have none. */
const LEVELS: Partial<Record<SquashfsCompression, { min: number; max: number; fallback: number }>> = {
  gzip: { min: 1, max: 9, fallback: 6 },
  zstd: { min: 1, max: 22, fallback: 3 },
};

export const squashfsSchema = z.object({
  kind: z.literal('squashfs'),
  src: z.string().startsWith('/').default('/'),
  as: z.string().min(1),
  tools: targetRefSchema,
  compression: z.enum(['gzip', 'xz', 'zstd', 'lz4']).default('zstd'),
  level: z.number().int().optional(),
  exclude: z.array(z.string()).default([]),
  local: z.boolean().default(false),
  loc: locSchema,
}).superRefine((step, ctx) => {
  if (step.level === undefined) return;
  const range = LEVELS[step.compression];
  if (!range) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['level'], message: `${step.compression} takes no level (only gzip 1-9 and zstd 1-22 do); drop 'level'` });
  else if (step.level < range.min || step.level > range.max) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['level'], message: `${step.compression} level must be ${range.min}-${range.max}, got ${step.level}` });
  }
});
export type SquashfsStep = z.infer<typeof squashfsSchema>;

export interface SquashfsOptions<S extends AnyArgs> {
  src?: string;
  as: string;
  /** The target whose filesystem has mksquashfs, and its args. */
  tools: TargetDef<S> | string;
  toolsArgs?: z.input<S>;
  /** mksquashfs's compressor (default zstd). */
  compression?: SquashfsCompression;
  /**
   * -Xcompression-level for gzip (1-9) and zstd (1-22). Default 3 for zstd and 6
   * for gzip: mksquashfs's own defaults (15 and 9) cost 10-15x the time for
   * images 1-10 % smaller.
   */
  level?: number;
  exclude?: string[];
  local?: boolean;
}

export function squashfs<S extends AnyArgs>(opts: SquashfsOptions<S>): SquashfsStep {
  const { tools, toolsArgs, ...rest } = opts;
  // The level is settled here so that it is part of the step, and of its cache key.
  const level = rest.level ?? LEVELS[rest.compression ?? 'zstd']?.fallback;
  return squashfsSchema.parse(withLoc({ kind: 'squashfs', ...rest, level, tools: refOf(tools, (toolsArgs ?? {}) as Record<string, unknown>) }));
}
