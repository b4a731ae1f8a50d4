// kairos-pipe.lock at the project root: remote repository@ref → pinned commit.
// Sorted, two-space JSON with a trailing newline, so diffs of it are reviewable.
// Writes re-read the file and merge, then publish by rename.
import { noteInput } from '../../cache/journal/input-log.js';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const LOCK_FILE = 'kairos-pipe.lock';

export interface LockEntry {
  /** What git fetched from. */
  url: string;
  commit: string;
}

export interface LockFile {
  version: 1;
  remotes: Record<string, LockEntry>;
}

export function lockPath(root: string): string {
  return join(root, LOCK_FILE);
}

export async function readLock(root: string): Promise<LockFile> {
  let raw: string;
  noteInput(lockPath(root));
  try {
    raw = await fs.readFile(lockPath(root), 'utf8');
  } catch {
    return { version: 1, remotes: {} };
  }
  const doc = JSON.parse(raw) as Partial<LockFile>;
  return { version: 1, remotes: doc.remotes ?? {} };
}

export function formatLock(lock: LockFile): string {
  const remotes: Record<string, LockEntry> = {};
  for (const k of Object.keys(lock.remotes).sort()) remotes[k] = { commit: lock.remotes[k].commit, url: lock.remotes[k].url };
  return `${JSON.stringify({ version: 1, remotes }, null, 2)}\n`;
}

/** Sets entries (undefined removes one), merging with what is on disk now. */
export async function updateLock(root: string, changes: Record<string, LockEntry | undefined>): Promise<LockFile> {
  const lock = await readLock(root);
  for (const [k, v] of Object.entries(changes)) {
    if (v) lock.remotes[k] = v;
    else delete lock.remotes[k];
  }
  const text = formatLock(lock);
  const current = await fs.readFile(lockPath(root), 'utf8').catch(() => undefined);
  if (current !== text) {
    const tmp = `${lockPath(root)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    await fs.writeFile(tmp, text);
    await fs.rename(tmp, lockPath(root));
  }
  return lock;
}
