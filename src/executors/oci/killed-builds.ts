// What a build killed before it could clean up (SIGKILL, the OOM killer, a CI
// timeout) leaves behind: its runc containers, still running their command
// (ids kp-<pid>-…), and its mounts: the overlay of a run() step under
// <cache>/tmp/run-<pid>-…, a debug shell's under tmp/debug-<pid>-…, and the
// read-only chain a squashfs() step reads under mounts/squashfs-src-<pid>-….
// The mounts pin snapshot dirs and make `cache prune` fail. The next build (or
// prune) removes those whose process is gone.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, promises as fs } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { OWNED, ownerPid } from '../../cache/owned-name.js';
import { alive } from '../cache-mounts.js';
import { detach } from './mount.js';
import type { RuncOptions } from './runc.js';

const exec = promisify(execFile);

/** The folders a build mounts on: a build's own folder is <parent>/<prefix>-<pid>-…. */
const MOUNTED = [
  { parent: 'tmp', prefixes: [OWNED.runDir, OWNED.debugDir] },
  { parent: 'mounts', prefixes: [OWNED.squashfsSource] },
];

/** The build's own folder (relative to the cache root) a path is in, and its owner's pid. */
function ownedFolder(rel: string): { folder: string; pid: number } | undefined {
  const [parent, name] = rel.split('/');
  for (const m of MOUNTED) {
    if (m.parent !== parent || name === undefined) continue;
    const pid = ownerPid(name, m.prefixes);
    if (pid !== undefined) return { folder: `${parent}/${name}`, pid };
  }
  return undefined;
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export interface StaleMount {
  /** The mount point. */
  path: string;
  /** The build's own folder the mount is in (tmp/run-<pid>-…), removed once unmounted. */
  owner: string;
}

/** Mount points under `root` owned by a process that is gone, deepest first. */
export function staleMounts(root: string, mountinfo: string, isAlive: (pid: number) => boolean = alive): StaleMount[] {
  const found: StaleMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const field = line.split(' ')[4];
    if (!field) continue;
    const path = unescapeMountPath(field);
    const rel = relative(root, path).split(sep).join('/');
    const owned = rel.startsWith('..') ? undefined : ownedFolder(rel);
    if (!owned || owned.pid === process.pid || isAlive(owned.pid)) continue;
    found.push({ path, owner: join(root, owned.folder) });
  }
  return found.sort((a, b) => b.path.length - a.path.length);
}

/** Ids of containers in runc's state dir `stateRoot` whose build process is gone. */
export function staleContainers(stateRoot: string, isAlive: (pid: number) => boolean = alive): string[] {
  let ids: string[];
  try {
    ids = readdirSync(stateRoot);
  } catch {
    return [];
  }
  return ids.filter((id) => {
    const pid = ownerPid(id, [OWNED.container]);
    return pid !== undefined && pid > 0 && pid !== process.pid && !isAlive(pid);
  });
}

/**
 * Removes what killed builds left: their containers (killed and deleted), then
 * the mounts under the cache `root` and their build's folder. Best effort;
 * returns how many containers and mounts it removed.
 */
export async function sweepKilledBuilds(root: string, runc?: RuncOptions): Promise<{ containers: number; mounts: number }> {
  let containers = 0;
  if (runc) {
    for (const id of staleContainers(runc.root)) {
      if (await exec(runc.runc, ['--root', runc.root, 'delete', '--force', id]).then(() => true, () => false)) containers++;
    }
  }
  return { containers, mounts: await sweepStaleMounts(root) };
}

/**
 * Detaches the stale mounts under the cache `root` and removes their build's
 * folder. Best effort: returns how many mounts it detached.
 */
export async function sweepStaleMounts(root: string, mountinfo?: string): Promise<number> {
  let info = mountinfo;
  try {
    info ??= readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return 0;
  }
  const stale = staleMounts(root, info);
  let detached = 0;
  for (const m of stale) if (await detach(m.path).then(() => true, () => false)) detached++;
  // Only once nothing is mounted in it: otherwise rm would reach into the snapshots.
  const still = staleMounts(root, readFileSync('/proc/self/mountinfo', 'utf8'));
  for (const owner of new Set(stale.map((m) => m.owner))) {
    if (!still.some((s) => s.owner === owner)) await fs.rm(owner, { recursive: true, force: true }).catch(() => undefined);
  }
  return detached;
}
