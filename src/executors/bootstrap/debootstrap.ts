// Finding and driving the debootstrap program: argv, environment, output lines,
// and killing its whole process group on abort.
import { spawn } from 'node:child_process';
import { promises as fs, constants as fsc } from 'node:fs';
import { join } from 'node:path';
import type { BootstrapStep } from '../../dsl/steps/bootstrap.js';
import { BootstrapFailedError, BootstrapToolMissingError } from './errors.js';

const SCRIPTS = '/usr/share/debootstrap/scripts';
const SBIN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const UBUNTU_KEYRING = '/usr/share/keyrings/ubuntu-archive-keyring.gpg';

async function executable(path: string): Promise<boolean> {
  try {
    await fs.access(path, fsc.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** debootstrap on PATH or in the sbin folders a non-login root shell may lack. */
export async function findDebootstrap(): Promise<string> {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SBIN_PATH.split(':')];
  for (const d of dirs) {
    const p = join(d, 'debootstrap');
    if (await executable(p)) return p;
  }
  throw new BootstrapToolMissingError('debootstrap', 'debootstrap');
}

/**
 * The suite's script, or the family's generic one for suites newer than the
 * installed debootstrap (all Ubuntu scripts are 'gutsy', all Debian ones 'sid').
 */
export async function scriptFor(step: Pick<BootstrapStep, 'distro' | 'suite'>): Promise<string | undefined> {
  if (await exists(join(SCRIPTS, step.suite))) return undefined;
  const generic = join(SCRIPTS, step.distro === 'ubuntu' ? 'gutsy' : 'sid');
  return (await exists(generic)) ? generic : undefined;
}

export async function checkKeyring(step: Pick<BootstrapStep, 'distro'>): Promise<void> {
  // Without the keyring debootstrap only warns and installs unverified packages; refuse instead.
  if (step.distro === 'ubuntu' && !(await exists(UBUNTU_KEYRING))) throw new BootstrapToolMissingError(UBUNTU_KEYRING, 'ubuntu-keyring');
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

export function debootstrapArgs(step: BootstrapStep, dir: string, mirror: string, script?: string): string[] {
  const args: string[] = [];
  if (step.variant !== 'default') args.push(`--variant=${step.variant}`);
  if (step.packages.length) args.push(`--include=${step.packages.join(',')}`);
  if (step.components.length) args.push(`--components=${step.components.join(',')}`);
  args.push('--arch', step.arch, step.suite, dir, mirror);
  if (script) args.push(script);
  return args;
}

/** Runs debootstrap; resolves on exit 0, rejects with the last lines of output otherwise. */
export function runDebootstrap(bin: string, args: string[], opts: { signal?: AbortSignal; log?: (line: string) => void }): Promise<void> {
  return new Promise((resolve, reject) => {
    opts.signal?.throwIfAborted();
    // Host env stays out: a step sees only what it declares.
    const env = { PATH: SBIN_PATH, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', DEBIAN_FRONTEND: 'noninteractive', HOME: '/root' };
    const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const tail: string[] = [];
    const onLine = (line: string): void => {
      tail.push(line);
      if (tail.length > 15) tail.shift();
      opts.log?.(line);
    };
    for (const stream of [child.stdout, child.stderr]) {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buf += chunk;
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines) if (l.trim()) onLine(l);
      });
      stream.on('end', () => buf.trim() && onLine(buf));
    }
    const kill = (): void => {
      // debootstrap forks dpkg and chroot'ed maintainer scripts; end the whole group.
      if (child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    };
    opts.signal?.addEventListener('abort', kill, { once: true });
    child.on('error', (e) => {
      opts.signal?.removeEventListener('abort', kill);
      reject((e as NodeJS.ErrnoException).code === 'ENOENT' ? new BootstrapToolMissingError('debootstrap', 'debootstrap') : e);
    });
    child.on('close', (code, sig) => {
      opts.signal?.removeEventListener('abort', kill);
      if (opts.signal?.aborted) reject(opts.signal.reason);
      else if (code === 0) resolve();
      else reject(new BootstrapFailedError(code, sig, tail));
    });
  });
}
