// Drives `runc run` for one step: a unique container id, output lines to the
// caller, and on abort `runc kill` then `runc delete -f`. Whatever happens, the
// container is deleted before this returns.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { OutputLines } from '../output.js';

const exec = promisify(execFile);

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

export async function runcRun(opts: RuncOptions, bundle: string, id: string, out: OutputLines, signal: AbortSignal): Promise<RuncResult> {
  const logFile = join(bundle, 'runc.log');
  const global = ['--root', opts.root, '--log', logFile, '--log-format', 'json'];
  await fs.mkdir(opts.root, { recursive: true, mode: 0o700 });
  const child = spawn(opts.runc, [...global, 'run', '--bundle', bundle, id], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => out.push(d, 'stdout'));
  child.stderr.on('data', (d: Buffer) => out.push(d, 'stderr'));
  const exited = new Promise<number>((res, rej) => {
    child.on('error', rej);
    child.on('close', (code, sig) => res(code ?? (sig ? 128 : 1)));
  });
  let aborted = false;
  const kill = (): void => {
    aborted = true;
    // The container may not exist yet (runc still creating it): retry until runc run exits.
    const tryKill = (): void => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      exec(opts.runc, ['--root', opts.root, 'kill', id, 'KILL']).catch(() => undefined);
      setTimeout(tryKill, 250).unref();
    };
    tryKill();
  };
  if (signal.aborted) kill();
  else signal.addEventListener('abort', kill, { once: true });
  try {
    const exitCode = await exited;
    out.flush();
    return { exitCode, aborted, runtimeError: exitCode !== 0 && !aborted ? await runtimeError(logFile) : undefined };
  } finally {
    signal.removeEventListener('abort', kill);
    // `runc run` deletes its container when the process exits; only a kill or a
    // runtime failure can leave state behind, and then the state dir says so.
    const left = await fs.access(join(opts.root, id)).then(() => true, () => false);
    if (left) await exec(opts.runc, ['--root', opts.root, 'delete', '-f', id]).catch(() => undefined);
  }
}
