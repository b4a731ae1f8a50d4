// Picks the executor for `--executor auto|oci|docker`. auto: oci where we are
// root, runc runs and overlayfs is available; else docker where an engine
// answers; else an error that says what to install.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { promisify } from 'node:util';
import { dockerClient } from './docker/client.js';
import type { Executor } from './types.js';
import { ExecutorUnavailableError } from './errors.js';
import { OciExecutor, type OciExecutorOptions } from './oci/executor.js';
import { DockerExecutor, type DockerExecutorOptions } from './docker/executor.js';

const exec = promisify(execFile);

export type SelectOptions = OciExecutorOptions & DockerExecutorOptions;

/** Why the oci executor cannot run here; empty when it can. */
export async function ociProblems(opts: OciExecutorOptions = {}): Promise<string[]> {
  const problems: string[] = [];
  if (process.platform !== 'linux') return [`the oci executor needs Linux (this is ${process.platform})`];
  if (process.getuid?.() !== 0) problems.push('the oci executor needs root (run with sudo, or use --executor docker)');
  try {
    await exec(opts.runc ?? 'runc', ['--version']);
  } catch {
    problems.push(`'${opts.runc ?? 'runc'}' is not installed (apt-get install runc)`);
  }
  const fsList = await fs.readFile('/proc/filesystems', 'utf8').catch(() => '');
  if (!/\boverlay\b/.test(fsList)) problems.push('overlayfs is not available (modprobe overlay)');
  try {
    await exec('perl', ['-e', '1']);
  } catch {
    problems.push('perl is not installed (it makes the mknod/xattr calls Node lacks)');
  }
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
