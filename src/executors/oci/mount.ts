// mount(8)/umount(8) for the oci executor: the overlay of a step's snapshots and
// the tmpfs that holds its bundle and secrets. Node has no mount(2); util-linux
// is on every system that has runc.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { basename, dirname } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/**
 * Mounts lowers (bottom first) + upper/work at `target`. Lower dirs are passed
 * relative to their common parent so long chains fit in the 4 KiB option page.
 * redirect_dir/metacopy off: the upper dir must hold real copies for the diff.
 */
export async function mountOverlay(lowers: string[], upper: string, work: string, target: string): Promise<void> {
  const parent = dirname(lowers[0]);
  const rel = lowers.every((l) => dirname(l) === parent);
  const lowerOpt = [...lowers].reverse().map((l) => (rel ? basename(l) : l)).join(':');
  const opts = `lowerdir=${lowerOpt},upperdir=${upper},workdir=${work},redirect_dir=off,metacopy=off,index=off`;
  if (opts.length > 4000) throw new Error(`the layer chain is too long for one overlay mount (${lowers.length} layers)`);
  await exec('mount', ['-t', 'overlay', 'overlay', '-o', opts, target], { cwd: rel ? parent : undefined });
}

export async function mountTmpfs(target: string, size = '16m'): Promise<void> {
  await exec('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', target]);
}

/**
 * A private directory in RAM for a bundle: under /dev/shm when that is a tmpfs
 * (no mount needed, which saves two process spawns a step), else a tmpfs we
 * mount at `fallback`. Returns the directory and how to get rid of it.
 */
export async function ramDir(fallback: string): Promise<{ dir: string; dispose: () => Promise<void> }> {
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const shm = info.split('\n').some((l) => l.split(' ')[4] === '/dev/shm' && / - tmpfs /.test(l));
  if (shm) {
    const dir = await fs.mkdtemp('/dev/shm/kairos-pipe-run-');
    await fs.chmod(dir, 0o700);
    return { dir, dispose: () => fs.rm(dir, { recursive: true, force: true }) };
  }
  await fs.mkdir(fallback, { recursive: true, mode: 0o700 });
  await mountTmpfs(fallback);
  return { dir: fallback, dispose: () => unmount(fallback) };
}

async function isMounted(target: string): Promise<boolean> {
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((l) => l.split(' ')[4] === target);
}

/** Unmounts `target` if mounted; retries while busy, then detaches lazily. */
export async function unmount(target: string): Promise<void> {
  for (let i = 0; i < 20 && (await isMounted(target)); i++) {
    try {
      await exec('umount', [target]);
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (await isMounted(target)) await exec('umount', ['-l', target]);
}
