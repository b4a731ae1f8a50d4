// mount(2)/umount2(2) for the oci executor: the overlay of a step's snapshots and
// the tmpfs that holds its bundle and secrets. Node has no mount(2); the calls go
// through the long-lived perl helper (src/oci/layer/native-fs.ts), which saves
// the mount(8) and umount(8) process spawns of every step.
import { alive } from '../cache-mounts.js';
import { chmodSync, mkdtempSync, promises as fs, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { runNative, NativeFsError } from '../../oci/layer/native-fs.js';

const MNT_DETACH = 2;
const EBUSY = 16;
const EINVAL = 22;
const ENOENT = 2;

/** mount(2); 0 or the errno. */
async function tryMount(source: string, target: string, fstype: string, data: string, cwd?: string): Promise<number> {
  const [r] = await runNative([{ op: 'mount', source, path: target, fstype, flags: 0, data, cwd }]);
  return r.ok ? 0 : r.errno;
}

async function mount(source: string, target: string, fstype: string, data: string, cwd?: string): Promise<void> {
  const errno = await tryMount(source, target, fstype, data, cwd);
  if (errno) throw new NativeFsError(`mount -t ${fstype}`, target, `errno ${errno} (options ${data})`);
}

/** Whether the kernel takes overlayfs' `volatile` option (Linux 5.10+); learnt on the first mount. */
let volatileOk = true;

/**
 * Mounts lowers (bottom first) + upper/work at `target`. Lower dirs are passed
 * relative to their common parent so long chains fit in the 4 KiB option page.
 * redirect_dir/metacopy off: the upper dir must hold real copies for the diff.
 * volatile: no syncfs of the upper file system on unmount. Without it every step
 * flushes the whole host file system the store lives on (3 ms idle, tens of ms
 * while other builds write); the layer is read from the page cache right after,
 * and the store never relied on that flush (blobs are checked by digest, not fsynced).
 * The work dir it marks volatile is removed with the run dir.
 */
export async function mountOverlay(lowers: string[], upper: string, work: string, target: string): Promise<void> {
  const parent = dirname(lowers[0]);
  const rel = lowers.every((l) => dirname(l) === parent);
  const lowerOpt = [...lowers].reverse().map((l) => (rel ? basename(l) : l)).join(':');
  const opts = `lowerdir=${lowerOpt},upperdir=${upper},workdir=${work},redirect_dir=off,metacopy=off,index=off`;
  if (opts.length > 3990) throw new Error(`the layer chain is too long for one overlay mount (${lowers.length} layers)`);
  const cwd = rel ? parent : undefined;
  if (volatileOk) {
    const errno = await tryMount('overlay', target, 'overlay', `${opts},volatile`, cwd);
    if (!errno) return;
    // An older kernel rejects the option (EINVAL); then mount as before and stop asking.
    if (errno !== EINVAL) throw new NativeFsError('mount -t overlay', target, `errno ${errno} (options ${opts},volatile)`);
    await mount('overlay', target, 'overlay', opts, cwd);
    volatileOk = false;
    return;
  }
  await mount('overlay', target, 'overlay', opts, cwd);
}

export async function mountTmpfs(target: string, size = '16m'): Promise<void> {
  await mount('tmpfs', target, 'tmpfs', `size=${size},mode=0700`);
}

let shmIsTmpfs: Promise<boolean> | undefined;

/** Whether /dev/shm is a tmpfs; asked once a process (mountinfo costs a few ms under load). */
function shmTmpfs(): Promise<boolean> {
  shmIsTmpfs ??= fs
    .readFile('/proc/self/mountinfo', 'utf8')
    .catch(() => '')
    .then((info) => info.split('\n').some((l) => l.split(' ')[4] === '/dev/shm' && / - tmpfs /.test(l)));
  return shmIsTmpfs;
}

export interface RamDir {
  dir: string;
  dispose: () => Promise<void>;
}

const SHM = '/dev/shm';
const SHM_PREFIX = 'kairos-pipe-run-';
let swept = false;

/**
 * Bundle dirs of processes that died without cleaning up (killed mid-step, or
 * holding a spare runc, see runc.ts) are removed once a process: named after
 * their pid, gone for 10 minutes and more.
 */
function sweepStale(): void {
  if (swept) return;
  swept = true;
  try {
    for (const name of readdirSync(SHM)) {
      const pid = Number(/^kairos-pipe-run-(\d+)-/.exec(name)?.[1]);
      if (!pid || pid === process.pid || alive(pid)) continue;
      const path = join(SHM, name);
      if (Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 10 * 60_000) rmSync(path, { recursive: true, force: true });
    }
  } catch {
    // Best effort: a stale dir costs a few KB of RAM.
  }
}

/**
 * A private directory under /dev/shm when that is a tmpfs, else undefined.
 * Sync calls: a directory on a tmpfs, microseconds each, where a trip through
 * libuv's thread pool costs 0.3–1 ms on a busy machine.
 */
export async function shmDir(): Promise<RamDir | undefined> {
  if (!(await shmTmpfs())) return undefined;
  sweepStale();
  const dir = mkdtempSync(join(SHM, `${SHM_PREFIX}${process.pid}-`));
  chmodSync(dir, 0o700);
  return { dir, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A private directory in RAM for a bundle: under /dev/shm when that is a tmpfs
 * (no mount needed), else a tmpfs we mount at `fallback`. Returns the directory
 * and how to get rid of it.
 */
export async function ramDir(fallback: string): Promise<RamDir> {
  const shm = await shmDir();
  if (shm) return shm;
  await fs.mkdir(fallback, { recursive: true, mode: 0o700 });
  await mountTmpfs(fallback);
  return { dir: fallback, dispose: () => unmount(fallback) };
}

/** umount2(MNT_DETACH): the mount leaves the tree now, the kernel frees it when unused. */
export async function detach(target: string): Promise<void> {
  const [r] = await runNative([{ op: 'umount', path: target, flags: MNT_DETACH }]);
  if (!r.ok && r.errno !== EINVAL && r.errno !== ENOENT) throw new NativeFsError('umount -l', target, `errno ${r.errno}`);
}

/**
 * Unmounts everything mounted at `target` until it is no mount point (EINVAL) or
 * gone (ENOENT); retries while busy, then detaches lazily.
 */
export async function unmount(target: string): Promise<void> {
  for (let busy = 0; busy < 20; ) {
    const [r] = await runNative([{ op: 'umount', path: target, flags: 0 }]);
    if (r.ok) continue; // something may be stacked below
    if (r.errno === EINVAL || r.errno === ENOENT) return;
    if (r.errno !== EBUSY) throw new NativeFsError('umount', target, `errno ${r.errno}`);
    busy++;
    await new Promise((res) => setTimeout(res, 100));
  }
  await detach(target);
}
