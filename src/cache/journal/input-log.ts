// What a build read from the host, for the no-op journal: every file and folder
// whose contents decided a cache key or the plan (target modules, copy() sources,
// Dockerfiles, the lock file, remembered tag digests), stamped before it was read.
// A build that asked the network something (a mirror's Release file) or ran a
// never-cached step is volatile: its result cannot be replayed from stamps alone.
// One log per process; the CLI resets it when a run starts.
import { stampOf, type Stamped } from './stamp.js';

let files = new Map<string, string>();
let racy: string[] = [];
let volatile: string[] = [];

export function resetInputLog(): void {
  files = new Map();
  racy = [];
  volatile = [];
}

/** Notes that `path` was (or is about to be) read; stamps it now unless noted already. */
export function noteInput(path: string, stamped?: Stamped): void {
  if (files.has(path)) return;
  let s: Stamped;
  try {
    s = stamped ?? stampOf(path);
  } catch {
    s = { stamp: '?', racy: true }; // unreadable metadata: never trusted
  }
  files.set(path, s.stamp);
  if (s.racy) racy.push(path);
}

/** Notes that this build's result depends on something stamps cannot capture. */
export function noteVolatile(reason: string): void {
  if (!volatile.includes(reason)) volatile.push(reason);
}

export interface InputLog {
  files: Map<string, string>;
  racy: string[];
  volatile: string[];
}

export function inputLog(): InputLog {
  return { files, racy, volatile };
}
