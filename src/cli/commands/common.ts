// Shared by commands: where the project and the cache are.
import { resolve } from 'node:path';
import { cpus } from 'node:os';

export interface GlobalOpts {
  project?: string;
  cacheDir?: string;
}

export function projectDir(o: GlobalOpts): string {
  return resolve(o.project ?? '.');
}

export function cacheDir(o: GlobalOpts, env: NodeJS.ProcessEnv): string {
  return resolve(o.cacheDir ?? env.KAIROS_PIPE_CACHE ?? resolve(projectDir(o), 'cache'));
}

export function defaultJobs(): number {
  return Math.max(1, cpus().length);
}
