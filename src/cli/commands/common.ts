// Shared by commands: where the project and the cache are.
import { resolve } from 'node:path';
import { cpus } from 'node:os';
import type { CliIO } from '../io.js';
import { jsonRenderer, plainRenderer, ttyRenderer, type Renderer } from '../../ui/renderer.js';

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

/** --json, else a live view on a terminal (unless --plain or CI), else plain lines. */
export function rendererFor(o: { json?: boolean; plain?: boolean }, io: CliIO): Renderer {
  if (o.json) return jsonRenderer({ write: io.out });
  return !o.plain && io.isTTY && !process.env.CI ? ttyRenderer({ write: io.out }, io.columns) : plainRenderer({ write: io.out });
}
