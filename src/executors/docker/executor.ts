// The executor for any Docker engine (local socket or DOCKER_HOST), through
// dockerode: the parent chain as an image, the command in a container with the
// same env/user/workdir/network/mount/secret semantics as the oci executor,
// the container's diff as the new layer. The container is always removed.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type Dockerode from 'dockerode';
import { dockerClient } from './client.js';
import type { RunStep } from '../../dsl/steps/run.js';
import type { FsState, LayerDesc } from '../../oci/types.js';
import type { Executor, RunContext } from '../types.js';
import { HOSTNAME, processSpec, secretValues } from '../process.js';
import { acquireAll, releaseAll, type HeldMount } from '../cache-mounts.js';
import { chainView } from '../lower-view.js';
import { probeMounts, type MountProbe } from '../mount-stubs.js';
import { OutputLines } from '../output.js';
import { ExecutorError, RunAbortedError, RunFailedError } from '../errors.js';
import { SECRETS_DIR } from '../oci/bundle.js';
import { ensureChainImage } from './image.js';
import { diffContainer } from './diff.js';

export interface DockerExecutorOptions {
  /** A client; default: dockerode's defaults (DOCKER_HOST, else /var/run/docker.sock). */
  docker?: Dockerode;
}

/** Secrets are bind-mounted from RAM when the host has /dev/shm, so values never hit a disk. */
async function secretDir(files: Record<string, string>): Promise<string | undefined> {
  if (!Object.keys(files).length) return undefined;
  const base = await fs.stat('/dev/shm').then(() => '/dev/shm', () => tmpdir());
  const dir = join(base, `kairos-pipe-secrets-${process.pid}-${randomBytes(6).toString('hex')}`);
  await fs.mkdir(dir, { mode: 0o755 });
  for (const [name, value] of Object.entries(files)) await fs.writeFile(join(dir, name), value, { mode: 0o400 });
  return dir;
}

export class DockerExecutor implements Executor {
  readonly kind = 'docker' as const;
  private client?: Promise<Dockerode>;

  constructor(opts: DockerExecutorOptions = {}) {
    if (opts.docker) this.client = Promise.resolve(opts.docker);
  }

  private engine(): Promise<Dockerode> {
    this.client ??= dockerClient();
    return this.client;
  }

  async run(state: FsState, step: RunStep, ctx: RunContext): Promise<LayerDesc> {
    ctx.signal.throwIfAborted();
    const proc = processSpec(state, step, ctx.secrets, ctx.stepId);
    const docker = await this.engine();
    const image = await ensureChainImage(docker, ctx.store, state.layers).catch((e) => {
      throw new ExecutorError(ctx.stepId, 'loading the parent layers into the Docker engine failed', e);
    });
    const targets = [...step.mounts.map((m) => m.target), ...(step.secrets.length ? [SECRETS_DIR] : [])];
    const probe: MountProbe = targets.length ? await probeMounts(await chainView(ctx.store, state.layers), targets) : { targets: [], lower: new Map() };
    let held: HeldMount[] = [];
    let secrets: string | undefined;
    let container: Dockerode.Container | undefined;
    try {
      held = await acquireAll(ctx.store, step.mounts, ctx.signal);
      secrets = await secretDir(proc.secretFiles);
      const binds = held.map((h) => `${h.dir}:${h.mount.target}:rw`);
      if (secrets) binds.push(`${secrets}:${SECRETS_DIR}:ro`);
      container = await docker.createContainer({
        Image: image,
        Cmd: proc.args,
        Entrypoint: [],
        Env: proc.env,
        WorkingDir: proc.cwd,
        User: proc.user,
        // Docker refuses a hostname with the host's network namespace.
        ...(step.network === 'none' ? { Hostname: HOSTNAME } : {}),
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        Labels: { 'kairos-pipe.step': ctx.stepId },
        HostConfig: { NetworkMode: step.network === 'none' ? 'none' : 'host', Binds: binds, Privileged: step.privileged },
      });
      const out = new OutputLines(ctx.log, secretValues(step, ctx.secrets));
      const exitCode = await this.attachAndWait(container, out, ctx.signal);
      if (ctx.signal.aborted) throw new RunAbortedError(ctx.stepId, step);
      if (exitCode !== 0) throw new RunFailedError(ctx.stepId, exitCode, out.tail, step);
      await releaseAll(held);
      held = [];
      return await diffContainer(docker, ctx.store, container, image, probe, ctx.stepId, ctx.signal);
    } catch (e) {
      if (ctx.signal.aborted && !(e instanceof RunAbortedError)) throw new RunAbortedError(ctx.stepId, step);
      throw e;
    } finally {
      if (container) await container.remove({ force: true, v: true }).catch(() => undefined);
      if (secrets) await fs.rm(secrets, { recursive: true, force: true });
      await releaseAll(held);
    }
  }

  private async attachAndWait(container: Dockerode.Container, out: OutputLines, signal: AbortSignal): Promise<number> {
    const docker = await this.engine();
    const stream = (await container.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdout.on('data', (d: Buffer) => out.push(d, 'stdout'));
    stderr.on('data', (d: Buffer) => out.push(d, 'stderr'));
    docker.modem.demuxStream(stream, stdout, stderr);
    const ended = new Promise<void>((res) => {
      stream.on('end', res);
      stream.on('close', res);
      stream.on('error', () => res());
    });
    const kill = (): void => void container.kill({ signal: 'KILL' }).catch(() => undefined);
    signal.addEventListener('abort', kill, { once: true });
    try {
      await container.start();
      if (signal.aborted) kill();
      const res = (await container.wait()) as { StatusCode: number };
      await Promise.race([ended, new Promise((r) => setTimeout(r, 1000))]);
      out.flush();
      return res.StatusCode;
    } finally {
      signal.removeEventListener('abort', kill);
    }
  }
}
