// Picks the executor for `--executor auto|oci|docker`. auto: oci where we are
// root, runc and perl are on PATH and overlayfs is available; else docker where an engine
// answers; else an error that says what to install.
import { constants, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { dockerClient } from './docker/client.js';
import type { Executor } from './types.js';
import { ExecutorUnavailableError } from './errors.js';
import { OciExecutor, type OciExecutorOptions } from './oci/executor.js';
import { DockerExecutor, type DockerExecutorOptions } from './docker/executor.js';

export type SelectOptions = OciExecutorOptions & DockerExecutorOptions;

/**
 * Where `cmd` would be found on PATH (or `cmd` itself when it has a slash), if it
 * is an executable file. A lookup, not a spawn: every CLI run that executes a
 * step asks, and a spawn of runc costs 50–100 ms on a busy machine.
 */
export async function onPath(cmd: string): Promise<string | undefined> {
  const dirs = cmd.includes('/') ? [''] : (process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':').filter(Boolean);
  for (const d of dirs) {
    const p = d ? join(d, cmd) : cmd;
    const ok = await fs.stat(p).then((st) => st.isFile() && fs.access(p, constants.X_OK).then(() => true), () => false).catch(() => false);
    if (ok) return p;
  }
  return undefined;
}

/** Why the oci executor cannot run here; empty when it can. */
export async function ociProblems(opts: OciExecutorOptions = {}): Promise<string[]> {
  if (process.platform !== 'linux') return [`the oci executor needs Linux (this is ${process.platform})`];
  const runc = opts.runc ?? 'runc';
  const [root, runtime, fsList, perl] = await Promise.all([
    process.getuid?.() === 0,
    onPath(runc),
    fs.readFile('/proc/filesystems', 'utf8').catch(() => ''),
    onPath('perl'),
  ]);
  const problems: string[] = [];
  if (!root) problems.push('the oci executor needs root (run with sudo, or use --executor docker)');
  if (!runtime) problems.push(`'${runc}' is not installed (apt-get install runc)`);
  if (!/\boverlay\b/.test(fsList)) problems.push('overlayfs is not available (modprobe overlay)');
  if (!perl) problems.push('perl is not installed (it makes the mknod/xattr/mount calls Node lacks)');
  return problems;
}

/** Why the docker executor cannot run; empty when the engine answers. */
export async function dockerProblems(opts: DockerExecutorOptions = {}): Promise<string[]> {
  const docker = opts.docker ?? (await dockerClient());
  try {
    await docker.ping();
    return [];
  } catch (e) {
    return [`no Docker engine answers at ${process.env.DOCKER_HOST ?? '/var/run/docker.sock'} (${(e as Error).message})`];
  }
}

export async function selectExecutor(kind: 'auto' | 'oci' | 'docker', opts: SelectOptions = {}): Promise<Executor> {
  if (kind === 'oci') {
    const p = await ociProblems(opts);
    if (p.length) throw new ExecutorUnavailableError('oci', p);
    return new OciExecutor(opts);
  }
  if (kind === 'docker') {
    const p = await dockerProblems(opts);
    if (p.length) throw new ExecutorUnavailableError('docker', p);
    return new DockerExecutor(opts);
  }
  const oci = await ociProblems(opts);
  if (!oci.length) return new OciExecutor(opts);
  const docker = await dockerProblems(opts);
  if (!docker.length) return new DockerExecutor(opts);
  throw new ExecutorUnavailableError('auto', [...oci, ...docker]);
}
