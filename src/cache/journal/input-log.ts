// What a build read from the host, for the no-op journal: every file and folder
// whose contents decided a cache key or the plan (target modules, copy() sources,
// Dockerfiles, the lock file, remembered tag digests), stamped before it was read.
// What it asked the network (a mirror's Release file) is noted as URL → digest, to
// be asked again. A build that ran a never-cached step, or fell back on a
// remembered answer, is volatile: its result cannot be replayed.
// One log per process; the CLI resets it when a run starts.
import { stampOf, type Stamped } from './stamp.js';

let files = new Map<string, string>();
let racy: string[] = [];
let volatile: string[] = [];
let remote = new Map<string, string>();

export function resetInputLog(): void {
  files = new Map();
  racy = [];
  volatile = [];
  remote = new Map();
}

/** Notes that the build's keys depend on the sha256 of what `url` serves now. */
export function noteRemote(url: string, digest: string): void {
  remote.set(url, digest);
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
  remote: Map<string, string>;
}

export function inputLog(): InputLog {
  return { files, racy, volatile, remote };
}
