// squashfs(): a squashfs image of a folder of the filesystem, made by mksquashfs
// running inside a tools image (the `tools` target ref), saved as an artifact.
import { z } from 'zod';
import { locSchema, withLoc } from './common.js';

export const squashfsVersion = 1;

export const squashfsSchema = z.object({
  kind: z.literal('squashfs'),
  src: z.string().startsWith('/').default('/'),
  as: z.string().min(1),
  compression: z.enum(['gzip', 'xz', 'zstd', 'lz4']).default('gzip'),
  exclude: z.array(z.string()).default([]),
  loc: locSchema,
});
export type SquashfsStep = z.infer<typeof squashfsSchema>;

export function squashfs(opts: Omit<z.input<typeof squashfsSchema>, 'kind' | 'loc'>): SquashfsStep {
  return squashfsSchema.parse(withLoc({ kind: 'squashfs', ...opts }));
}
