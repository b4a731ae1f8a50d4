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
//
// Once a step has handed its runc the config, the next step's runc is started
// (a spare, one per runc binary and state root): a step that follows finds it
// waiting and skips runc's start-up altogether. A spare never keeps Node alive,
// is dropped after a minute unused, and exits by itself when this process does
// (its FIFO reads EOF); its bundle dir goes with the process's exit handler, or
// with a later run's sweep of /dev/shm if this process was killed.
import { execFile } from 'node:child_process';
import { OWNED, ownedName } from '../../cache/owned-name.js';
import { closeSync, constants, existsSync, mkdirSync, openSync, promises as fs, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NativeFsError, runNative } from '../../oci/layer/native-fs.js';
import type { OutputLines } from '../output.js';
import { ramDir, shmDir, type RamDir } from './mount.js';
import { spawnViaHelper, warmSpawner, type HelperChild } from './spawner.js';

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
  /** The bundle dir runc runs on (config.json in it is runc's FIFO). */
  bundle: RamDir;
  /** Hands runc its config and waits until the command has exited and the container is gone. */
  start(config: object): Promise<RuncResult>;
  /** Kills runc if it was never started and waits for it; a no-op once start() has settled. */
  cancel(): Promise<void>;
}

/** A runc container id; the build's pid in it lets the next build delete a killed build's containers. */
export function containerId(): string {
  return ownedName(OWNED.container);
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
const SPARE_TTL_MS = 60_000;

/** A runc started on a bundle dir, waiting for its config. */
interface Waiting {
  bundle: RamDir;
  id: string;
  logFile: string;
  fifo: number;
  child: HelperChild;
  /** Where its output goes: the step's lines once attached, kept until then. */
  sink: { out?: OutputLines; early: Array<[Buffer, 'stdout' | 'stderr']> };
}

async function startWaiting(opts: RuncOptions, bundle: RamDir, keepAlive: boolean): Promise<Waiting> {
  try {
    // The first launch of a process starts both perl helpers: this one's start-up
    // runs while the other makes the FIFO (runc itself must wait for the FIFO).
    warmSpawner();
    const configPath = join(bundle.dir, 'config.json');
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
    const id = containerId();
    const logFile = join(bundle.dir, 'runc.log');
    const global = ['--root', opts.root, '--log', logFile, '--log-format', 'json'];
    const sink: Waiting['sink'] = { early: [] };
    // Through the spawn helper (see spawner.ts): a fork of Node would block its event loop.
    const child = spawnViaHelper(
      [opts.runc, ...global, 'run', '--bundle', bundle.dir, id],
      (d, stream) => (sink.out ? sink.out.push(d, stream) : sink.early.push([d, stream])),
      keepAlive,
    );
    return { bundle, id, logFile, fifo, child, sink };
  } catch (e) {
    await bundle.dispose().catch(() => undefined);
    throw e;
  }
}

/** Spares by runc binary and state root. */
const spares = new Map<string, { w: Waiting; expire: NodeJS.Timeout }>();
const keyOf = (opts: RuncOptions): string => `${opts.runc}\0${opts.root}`;
const filling = new Set<string>();
let exitHook = false;

function dropSpare(w: Waiting): void {
  w.child.kill(SIGKILL);
  closeSync(w.fifo);
  void w.child.exited.then(() => w.bundle.dispose()).catch(() => undefined);
}

/** Starts the spare for `opts` unless there is one (only with a /dev/shm bundle dir). */
function refill(opts: RuncOptions): void {
  const key = keyOf(opts);
  if (spares.has(key) || filling.has(key)) return;
  filling.add(key);
  void (async () => {
    const bundle = await shmDir();
    if (!bundle) return;
    const w = await startWaiting(opts, bundle, false);
    const expire = setTimeout(() => {
      if (spares.get(key)?.w !== w) return;
      spares.delete(key);
      dropSpare(w);
    }, SPARE_TTL_MS).unref();
    spares.set(key, { w, expire });
    if (!exitHook) {
      exitHook = true;
      process.once('exit', () => {
        for (const { w } of spares.values()) rmSync(w.bundle.dir, { recursive: true, force: true });
      });
    }
  })()
    .catch(() => undefined)
    .finally(() => filling.delete(key));
}

/** The waiting spare for `opts`, if there is a live one; it is no longer a spare. */
function takeSpare(opts: RuncOptions): Waiting | undefined {
  const key = keyOf(opts);
  const s = spares.get(key);
  if (!s) return undefined;
  spares.delete(key);
  clearTimeout(s.expire);
  if (s.w.child.gone) {
    dropSpare(s.w);
    return undefined;
  }
  s.w.child.ref();
  return s.w;
}

/** The spare runc processes waiting in this process: pid and bundle dir (for tests). */
export async function spareRuncs(): Promise<Array<{ pid: number; bundle: string }>> {
  return Promise.all([...spares.values()].map(async ({ w }) => ({ pid: await w.child.pid, bundle: w.bundle.dir })));
}

/**
 * A runc waiting for its config on a fresh bundle dir: the spare if one is
 * waiting, else a new one (bundle in /dev/shm, or a tmpfs mounted at
 * `fallback`). The caller writes the bundle's files into `bundle.dir`, then
 * calls start(config), or cancel() if preparing failed; either way it disposes
 * of the bundle dir after.
 */
export async function launchRunc(opts: RuncOptions, out: OutputLines, signal: AbortSignal, fallback: string): Promise<RuncLaunch> {
  const w = takeSpare(opts) ?? (await startWaiting(opts, await ramDir(fallback), true));
  const { child, fifo, id, logFile } = w;
  w.sink.out = out;
  for (const [d, stream] of w.sink.early.splice(0)) out.push(d, stream);
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
    bundle: w.bundle,
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
        if (!aborted) {
          fed = true;
          refill(opts);
        }
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
