// The bootstrap's scratch folder: created under the store's tmp/, and removed
// only after every mount debootstrap left inside it (proc, sys, bind-mounted
// /dev) is gone, so a recursive delete can never reach the host through one.
import { promises as fs } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BootstrapCleanupError } from './errors.js';

const exec = promisify(execFile);

/** Mount points at or below `dir`, deepest first. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
  const prefix = dir.replace(/\/+$/, '');
  const points = info
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => !!p)
    .map(unescapeMountPath)
    .filter((p) => p === prefix || p.startsWith(`${prefix}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Lazily unmounts everything below `dir`; throws if anything stays mounted. */
export async function unmountUnder(dir: string): Promise<void> {
  for (const m of await mountsUnder(dir)) {
    await exec('umount', ['-l', m]).catch(() => undefined);
  }
  const left = await mountsUnder(dir);
  if (left.length) throw new BootstrapCleanupError(dir, left);
}

export async function removeScratchDir(dir: string): Promise<void> {
  await unmountUnder(dir);
  await fs.rm(dir, { recursive: true, force: true });
}
