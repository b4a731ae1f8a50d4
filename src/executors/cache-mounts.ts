// Persistent cache mounts: `<store.root>/mounts/<id>`, shared across steps and
// builds, never part of a layer. 'locked' takes an exclusive lock file for the
// whole run (other processes wait); 'private' uses the first free copy of the
// dir; 'shared' needs no lock.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { CacheStore } from '../cache/store.js';
import type { CacheMount } from '../dsl/steps/run.js';

export interface HeldMount {
  mount: CacheMount;
  /** Host directory to bind at mount.target. */
  dir: string;
  release(): Promise<void>;
}

/** Directory name for an id: readable, and unique even when ids differ only in punctuation. */
export function cacheMountDir(store: CacheStore, id: string, copy = 0): string {
  const safe = id.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 64) || 'cache';
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 12);
  return join(store.root, 'mounts', `${safe}-${hash}${copy ? `.${copy}` : ''}`);
}

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tryLock(lock: string): Promise<boolean> {
  try {
    await fs.writeFile(lock, String(process.pid), { flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const pid = Number(await fs.readFile(lock, 'utf8').catch(() => 'x'));
    // A lock left by a dead process is stale; in-process holders are alive (our pid).
    if (Number.isInteger(pid) && pid > 0 && !alive(pid)) {
      await fs.rm(lock, { force: true });
      return tryLock(lock);
    }
    return false;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((res, rej) => {
    const t = setTimeout(res, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), rej(signal.reason)), { once: true });
  });
}

export async function acquireCacheMount(store: CacheStore, mount: CacheMount, signal: AbortSignal): Promise<HeldMount> {
  const hold = async (dir: string, lock?: string): Promise<HeldMount> => {
    await fs.mkdir(dir, { recursive: true, mode: 0o755 });
    return { mount, dir, release: async () => (lock ? fs.rm(lock, { force: true }) : undefined) };
  };
  await fs.mkdir(join(store.root, 'mounts'), { recursive: true });
  if (mount.sharing === 'shared') return hold(cacheMountDir(store, mount.id));
  for (let copy = 0; ; copy++) {
    signal.throwIfAborted();
    const dir = cacheMountDir(store, mount.id, mount.sharing === 'private' ? copy : 0);
    const lock = `${dir}.lock`;
    if (await tryLock(lock)) return hold(dir, lock);
    if (mount.sharing === 'locked') {
      copy = -1;
      await sleep(200, signal);
    }
  }
}

/** Takes every cache mount of a step; on failure releases what it took. */
export async function acquireAll(store: CacheStore, mounts: CacheMount[], signal: AbortSignal): Promise<HeldMount[]> {
  const held: HeldMount[] = [];
  try {
    for (const m of mounts) held.push(await acquireCacheMount(store, m, signal));
    return held;
  } catch (e) {
    await releaseAll(held);
    throw e;
  }
}

export async function releaseAll(held: HeldMount[]): Promise<void> {
  for (const h of held) await h.release().catch(() => undefined);
}
