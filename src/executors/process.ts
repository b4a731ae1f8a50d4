// What a run() step executes, the same for every executor: argv (a string goes
// through the image's Shell or /bin/sh -c; an array runs as is), the environment
// (image Env, then step env, then secrets — never the host's), working dir, user.
import type { RunStep } from '../dsl/steps/run.js';
import type { FsState } from '../oci/types.js';
import { MissingSecretError } from './errors.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const HOSTNAME = 'kairos-pipe';

export interface ProcessSpec {
  args: string[];
  /** KEY=value, in a stable order; includes secret values, so never log it. */
  env: string[];
  cwd: string;
  /** The image's User ('' = root), resolved by the executor. */
  user: string;
  /** Secret name → value, for files under /run/secrets. */
  secretFiles: Record<string, string>;
}

function setEnv(env: Map<string, string>, kv: string): void {
  const eq = kv.indexOf('=');
  if (eq > 0) env.set(kv.slice(0, eq), kv.slice(eq + 1));
}

export function processSpec(state: FsState, step: RunStep, secrets: Record<string, string>, stepId: string): ProcessSpec {
  const cfg = state.config.config;
  const args = typeof step.command === 'string' ? [...(cfg.Shell?.length ? cfg.Shell : ['/bin/sh', '-c']), step.command] : [...step.command];
  const env = new Map<string, string>();
  for (const kv of cfg.Env ?? []) setEnv(env, kv);
  for (const [k, v] of Object.entries(step.env)) env.set(k, v);
  const secretFiles: Record<string, string> = {};
  for (const s of step.secrets) {
    const value = secrets[s.name];
    if (value === undefined) throw new MissingSecretError(stepId, s.name);
    env.set(s.env ?? s.name, value);
    secretFiles[s.name] = value;
  }
  if (!env.has('PATH')) env.set('PATH', DEFAULT_PATH);
  if (!env.has('HOSTNAME')) env.set('HOSTNAME', HOSTNAME);
  return {
    args,
    env: [...env].map(([k, v]) => `${k}=${v}`),
    cwd: cfg.WorkingDir || '/',
    user: cfg.User ?? '',
    secretFiles,
  };
}

/** The values to mask in any output line the executor keeps or forwards. */
export function secretValues(step: RunStep, secrets: Record<string, string>): string[] {
  return step.secrets.map((s) => secrets[s.name]).filter((v): v is string => typeof v === 'string' && v.length > 0);
}
