// rootfs(): the layer chain flattened to one tarball, whiteouts applied.
import { z } from 'zod';
import { locSchema, withLoc } from './common.js';

export const rootfsVersion = 1;

export const rootfsSchema = z.object({
  kind: z.literal('rootfs'),
  as: z.string().min(1),
  loc: locSchema,
});
export type RootfsStep = z.infer<typeof rootfsSchema>;

export function rootfs(opts: { as: string }): RootfsStep {
  return rootfsSchema.parse(withLoc({ kind: 'rootfs', as: opts.as }));
}
