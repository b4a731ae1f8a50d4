// bootstrap(): a Debian/Ubuntu base built from package mirrors (debootstrap),
// no registry needed. Must be the first step; yields one layer.
import { z } from 'zod';
import { locSchema, withLoc } from './common.js';

export const bootstrapVersion = 1;

export const bootstrapSchema = z.object({
  kind: z.literal('bootstrap'),
  distro: z.enum(['debian', 'ubuntu']),
  suite: z.string().min(1),
  mirror: z.string().url().optional(),
  variant: z.enum(['minbase', 'buildd', 'default']).default('minbase'),
  packages: z.array(z.string()).default([]),
  components: z.array(z.string()).default(['main']),
  arch: z.string().default('amd64'),
  loc: locSchema,
});
export type BootstrapStep = z.infer<typeof bootstrapSchema>;

export function bootstrap(opts: Omit<z.input<typeof bootstrapSchema>, 'kind' | 'loc'>): BootstrapStep {
  return bootstrapSchema.parse(withLoc({ kind: 'bootstrap', ...opts }));
}
