// The no-op journal: after a successful build, what it read (stamped), which
// cache records it used and which outputs it left, filed under the exact command
// line. When every stamp still matches, the same command line would build
// nothing, so it can be answered without loading targets or walking the graph
// (ninja's and Gradle's configuration-cache idea). Any doubt is a miss.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildEvent } from '../../scheduler/events.js';

export const JOURNAL_VERSION = 2;

export interface Journal {
  v: number;
  /** Which engine build wrote it (bin/kairos-pipe.js sets it); another engine misses. */
  engine: string;
  /** Hash of the environment: target modules may read process.env. */
  env: string;
  /** [absolute path, stamp] of every input read. */
  files: Array<[string, string]>;
  /** Step record files: touched on replay (LRU for gc) and required to exist. */
  records: string[];
  /** Blob files the records name, with their sizes, as a cache hit requires. */
  blobs: Array<[string, number | null]>;
  /** [URL, sha256 digest] of what the build fetched to compute keys: fetched again on replay. */
  remote: Array<[string, string]>;
  /** [absolute path, stamp] of every output the build left. */
  outputs: Array<[string, string]>;
  /** The events a no-op run of this command line emits (summary last). */
  events: BuildEvent[];
}

/** Variables that change between shells without meaning anything to a build. */
const ENV_NOISE = new Set(['_', 'OLDPWD', 'PWD', 'SHLVL', 'COLUMNS', 'LINES', 'TERM_SESSION_ID', 'WINDOWID', 'TMUX_PANE', 'SSH_CLIENT', 'SSH_CONNECTION', 'SSH_TTY', 'SSH_AUTH_SOCK', 'GPG_TTY']);

export function envHash(env: NodeJS.ProcessEnv): string {
  const h = createHash('sha256');
  for (const k of Object.keys(env).sort()) if (!ENV_NOISE.has(k)) h.update(`${k}=${env[k] ?? ''}\0`);
  return h.digest('hex');
}

/** One journal per command line, folder and environment, so alternating between them keeps each. */
export function journalPath(cacheDir: string, cwd: string, argv: string[], env: NodeJS.ProcessEnv): string {
  const key = createHash('sha256').update(JSON.stringify([cwd, envHash(env), ...argv])).digest('hex');
  return join(cacheDir, 'journal', `${key.slice(0, 40)}.json`);
}

export function readJournal(path: string): Journal | undefined {
  try {
    const j = JSON.parse(readFileSync(path, 'utf8')) as Journal;
    return j.v === JOURNAL_VERSION ? j : undefined;
  } catch {
    return undefined;
  }
}

export function writeJournal(path: string, j: Journal): void {
  mkdirSync(join(path, '..'), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, JSON.stringify(j));
  renameSync(tmp, path);
}

const ENGINE = Symbol.for('kairos-pipe.engine');
const MODULES = Symbol.for('kairos-pipe.modules');

/** Identity of the running engine, set by bin/kairos-pipe.js; undefined when embedded. */
export function engineIdentity(): string | undefined {
  return (globalThis as Record<symbol, unknown>)[ENGINE] as string | undefined;
}

export interface LoadedModule {
  path: string;
  /** Taken just before the module was read; `at` in ms since the epoch. */
  stat: { ino: string; size: string; mode: string; mtimeNs: string; ctimeNs: string; at: number } | null;
}

/** Modules the loader hooks saw (target modules and what they import), in load order. */
export function loadedModules(): LoadedModule[] | undefined {
  return (globalThis as Record<symbol, unknown>)[MODULES] as LoadedModule[] | undefined;
}
