// Image-config-only steps: env, workdir, user, label, entrypoint, cmd, shell.
// They change the config and the key, never the layers.
import { z } from 'zod';
import { locSchema, withLoc } from './common.js';

export const configVersion = 1;

export const configSchema = z.object({
  kind: z.literal('config'),
  set: z.object({
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'env names are letters, digits and _'), z.string()).optional(),
    workdir: z.string().startsWith('/', 'workdir must be absolute').optional(),
    user: z.string().min(1).optional(),
    labels: z.record(z.string(), z.string()).optional(),
    entrypoint: z.array(z.string()).optional(),
    cmd: z.array(z.string()).optional(),
    shell: z.array(z.string()).min(1).optional(),
  }),
  loc: locSchema,
});
export type ConfigStep = z.infer<typeof configSchema>;

const make = (set: ConfigStep['set']): ConfigStep => configSchema.parse(withLoc({ kind: 'config', set }));
const argv = (v: string | string[]): string[] => (Array.isArray(v) ? v : ['/bin/sh', '-c', v]);

export function env(name: string | Record<string, string>, value?: string): ConfigStep {
  return make({ env: typeof name === 'string' ? { [name]: value ?? '' } : name });
}
export const workdir = (path: string): ConfigStep => make({ workdir: path });
export const user = (name: string): ConfigStep => make({ user: name });
export function label(name: string | Record<string, string>, value?: string): ConfigStep {
  return make({ labels: typeof name === 'string' ? { [name]: value ?? '' } : name });
}
export const entrypoint = (v: string | string[]): ConfigStep => make({ entrypoint: argv(v) });
export const cmd = (v: string | string[]): ConfigStep => make({ cmd: argv(v) });
export const shell = (v: string[]): ConfigStep => make({ shell: v });
