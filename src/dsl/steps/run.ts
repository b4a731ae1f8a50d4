// run(): a command executed in the current filesystem inside a container; its
// changes become a new layer. Executors live in src/executors.
import { z } from 'zod';
import { locSchema, withLoc } from './common.js';

export const runVersion = 1;

export const cacheMountSchema = z.object({
  type: z.literal('cache'),
  target: z.string().startsWith('/'),
  id: z.string().min(1),
  sharing: z.enum(['shared', 'locked', 'private']).default('shared'),
});
export const secretRefSchema = z.object({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'secret names are letters, digits and _'),
  /** Exposed as this env var (default: same as name) and as /run/secrets/<name>. */
  env: z.string().optional(),
});

export const runSchema = z.object({
  kind: z.literal('run'),
  command: z.union([z.string().min(1), z.array(z.string()).min(1)]),
  env: z.record(z.string(), z.string()).default({}),
  mounts: z.array(cacheMountSchema).default([]),
  secrets: z.array(secretRefSchema).default([]),
  network: z.enum(['default', 'none']).default('default'),
  privileged: z.boolean().default(false),
  noCache: z.boolean().default(false),
  cache: z.enum(['auto', 'never']).default('auto'),
  loc: locSchema,
});
export type RunStep = z.infer<typeof runSchema>;
export type CacheMount = z.infer<typeof cacheMountSchema>;
export type SecretRef = z.infer<typeof secretRefSchema>;

export type RunOptions = Partial<Omit<z.input<typeof runSchema>, 'kind' | 'command' | 'loc'>>;

export function run(command: string | string[], opts: RunOptions = {}): RunStep {
  return runSchema.parse(withLoc({ kind: 'run', command, ...opts }));
}

export function cacheMount(target: string, opts: { id?: string; sharing?: 'shared' | 'locked' | 'private' } = {}): CacheMount {
  return cacheMountSchema.parse({ type: 'cache', target, id: opts.id ?? target, sharing: opts.sharing });
}

export function secret(name: string, opts: { env?: string } = {}): SecretRef {
  return secretRefSchema.parse({ name, env: opts.env });
}
