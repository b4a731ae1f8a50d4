// Names of what one build process makes and removes when it is done (staging dirs under tmp/,
// its mounts, its runc containers): `<prefix>-<pid>-<unique>`. If the process is killed before
// it cleans up, the pid in the name tells the next build (src/executors/oci/killed-builds.ts)
// whose they were and that their owner is gone.
import { randomBytes } from 'node:crypto';

/** A fresh name owned by this process. */
export function ownedName(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** The pid that owns `name` when it is `<prefix>-<pid>-…` for one of `prefixes`, else undefined. */
export function ownerPid(name: string, prefixes: readonly string[]): number | undefined {
  for (const p of prefixes) {
    if (!name.startsWith(`${p}-`)) continue;
    const m = /^(\d+)-./.exec(name.slice(p.length + 1));
    if (m) return Number(m[1]);
  }
  return undefined;
}

/**
 * The prefixes of what a killed build can leave mounted or running: run() and debug-shell
 * overlays (tmp/<prefix>-…), the chain a squashfs() step reads (a cache mount,
 * mounts/<prefix>-…) and runc containers.
 */
export const OWNED = { runDir: 'run', debugDir: 'debug', squashfsSource: 'squashfs-src', container: 'kp' } as const;
