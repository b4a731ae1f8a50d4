// Drives `runc run` for one step: a unique container id, output lines to the
// caller, and on abort `runc kill` then `runc delete -f`. Whatever happens, the
// container is deleted before this returns.
//
// runc is started before the step's config exists. Its config.json is a FIFO:
// runc spends ~20 ms (more on a busy machine) starting its Go runtime and parsing
// flags before it opens it, and meanwhile the executor mounts the overlay and
// writes the bundle; runc then reads the config and goes on as from a file
// (it decodes one JSON object, so it needs no EOF). Until it has read it, runc
// has made nothing (no state dir, no cgroup), so a launch that is never started
// is simply killed.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, mkdirSync, openSync, promises as fs, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NativeFsError, runNative } from '../../oci/layer/native-fs.js';
import type { OutputLines } from '../output.js';
import { spawnViaHelper } from './spawner.js';

const exec = promisify(execFile);
const S_IFIFO = 0o010000;
const SIGKILL = 9;

export interface RuncOptions {
  /** runc binary (default: `runc` on PATH). */
  runc: string;
  /** runc state dir; kept separate from the host's /run/runc so `runc --root` lists only ours. */
  root: string;
}

export interface RuncResult {
  exitCode: number;
  aborted: boolean;
  /** runc's own error (the container never started), if any. */
  runtimeError?: string;
}

export interface RuncLaunch {
  /** Hands runc its config and waits until the command has exited and the container is gone. */
  start(config: object): Promise<RuncResult>;
  /** Kills runc if it was never started and waits for it; a no-op once start() has settled. */
  cancel(): Promise<void>;
}

export function containerId(): string {
  return `kp-${process.pid}-${randomBytes(5).toString('hex')}`;
}

async function runtimeError(logFile: string): Promise<string | undefined> {
  const text = await fs.readFile(logFile, 'utf8').catch(() => '');
  const errors = text
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      try {
        return JSON.parse(l) as { level?: string; msg?: string };
      } catch {
        return { level: 'error', msg: l };
      }
    })
    .filter((m) => m.level === 'error' || m.level === 'fatal');
  return errors.length ? errors.map((m) => m.msg).join('; ') : undefined;
}

const madeRoots = new Set<string>();

/**
 * Starts `runc run` on `bundle` (a directory without config.json yet) as
 * container `id`. The caller prepares the rootfs and then calls start(config),
 * or cancel() if preparing failed.
 */
export async function launchRunc(opts: RuncOptions, bundle: string, id: string, out: OutputLines, signal: AbortSignal): Promise<RuncLaunch> {
  const configPath = join(bundle, 'config.json');
  const [made] = await runNative([{ op: 'mknod', path: configPath, mode: S_IFIFO | 0o600, major: 0, minor: 0 }]);
  if (!made.ok) throw new NativeFsError('mkfifo', configPath, `errno ${made.errno}`);
  // Read-write, so neither this open nor runc's blocks. It stays open until runc
  // has exited: bytes written before runc opens the FIFO are kept, and should this
  // process die, runc reads EOF and exits instead of waiting forever. (Node opens
  // with O_CLOEXEC, so no child inherits it.)
  const fifo = openSync(configPath, constants.O_RDWR | constants.O_NONBLOCK);
  if (!madeRoots.has(opts.root)) {
    mkdirSync(opts.root, { recursive: true, mode: 0o700 });
    madeRoots.add(opts.root);
  }
  const logFile = join(bundle, 'runc.log');
  const global = ['--root', opts.root, '--log', logFile, '--log-format', 'json'];
  // Through the spawn helper (see spawner.ts): a fork of Node would block its event loop.
  const child = spawnViaHelper([opts.runc, ...global, 'run', '--bundle', bundle, id], (d, stream) => out.push(d, stream));
  // Never rejects: a spawn error (runc missing) is reported by start().
  const exited = child.exited;

  let fed = false;
  let aborted = false;
  const kill = (): void => {
    aborted = true;
    // Not fed: runc is still waiting for its config and has made nothing.
    if (!fed) {
      child.kill(SIGKILL);
      return;
    }
    // The container may not exist yet (runc still creating it): retry until runc run exits.
    const tryKill = (): void => {
      if (child.gone) return;
      exec(opts.runc, ['--root', opts.root, 'kill', id, 'KILL']).catch(() => undefined);
      setTimeout(tryKill, 250).unref();
    };
    tryKill();
  };
  if (signal.aborted) kill();
  else signal.addEventListener('abort', kill, { once: true });

  let finished: Promise<void> | undefined;
  const finish = (): Promise<void> =>
    (finished ??= (async () => {
      if (!fed) child.kill(SIGKILL);
      await exited;
      signal.removeEventListener('abort', kill);
      closeSync(fifo);
      // `runc run` deletes its container when the process exits; only a kill or a
      // runtime failure can leave state behind, and then the state dir says so.
      if (existsSync(join(opts.root, id))) await exec(opts.runc, ['--root', opts.root, 'delete', '-f', id]).catch(() => undefined);
    })());

  return {
    async start(config) {
      try {
        const data = Buffer.from(JSON.stringify(config));
        // A config larger than the pipe (64 KiB: a huge env) goes in as runc drains it.
        for (let off = 0; off < data.length && !aborted && !child.gone; ) {
          try {
            off += writeSync(fifo, data, off);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
            await new Promise((r) => setTimeout(r, 1));
          }
        }
        if (!aborted) fed = true;
        const { code, error } = await exited;
        if (error) throw error;
        out.flush();
        return { exitCode: code, aborted, runtimeError: code !== 0 && !aborted ? await runtimeError(logFile) : undefined };
      } finally {
        await finish();
      }
    },
    cancel: finish,
  };
}
