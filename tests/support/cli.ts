// Runs the real CLI (`node bin/kairos-pipe.js`) as a child process in a temp copy
// of a fixture project, capturing stdout, stderr and the exit code. Shared by the
// integration tests of every area: keep the exported names and shapes stable.
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { BuildEvent } from '../../src/scheduler/events.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI_BIN = join(REPO_ROOT, 'bin', 'kairos-pipe.js');
export const RUN_TS_BIN = join(REPO_ROOT, 'bin', 'run-ts.js');
export const FIXTURE_PROJECTS = join(REPO_ROOT, 'tests', 'fixtures', 'projects');

export interface CliResult {
  /** Exit code, or null when the process died of a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  /** Added to a clean environment (CI=1, no KAIROS_PIPE_* or SOURCE_DATE_EPOCH from the host). */
  env?: Record<string, string | undefined>;
  /** Kills the child (SIGKILL) after this long; default 120 s. */
  timeoutMs?: number;
}

export interface RunningCli {
  child: ChildProcess;
  /** Settles when the process exits. */
  result: Promise<CliResult>;
  /** Resolves once stdout+stderr so far match `re` (rejects if the process exits first). */
  waitFor(re: RegExp): Promise<void>;
  stdout(): string;
  stderr(): string;
}

function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: '1', NO_COLOR: '1' };
  for (const k of Object.keys(env)) if (k.startsWith('KAIROS_PIPE_') || k === 'SOURCE_DATE_EPOCH') delete env[k];
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Starts `node <script> ...args` (the CLI by default) without waiting for it. */
export function spawnNode(script: string, args: string[], opts: CliOptions): RunningCli {
  const child = spawn(process.execPath, [script, ...args], { cwd: opts.cwd, env: childEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: Array<{ re: RegExp; resolve: () => void; reject: (e: Error) => void }> = [];
  const check = () => {
    for (const w of [...waiters]) {
      if (w.re.test(out + err)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    check();
  });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    err += s;
    check();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
  const result = new Promise<CliResult>((res, rej) => {
    child.on('error', rej);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      for (const w of waiters.splice(0)) w.reject(new Error(`process exited (code ${code}) before output matched ${w.re}\nstdout:\n${out}\nstderr:\n${err}`));
      res({ code, signal, stdout: out, stderr: err });
    });
  });
  return {
    child,
    result,
    stdout: () => out,
    stderr: () => err,
    waitFor: (re) =>
      new Promise<void>((resolveWait, reject) => {
        if (re.test(out + err)) return resolveWait();
        if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`process already exited before output matched ${re}`));
        waiters.push({ re, resolve: resolveWait, reject });
      }),
  };
}

/** Starts the CLI without waiting: for tests that signal it mid-build. */
export function spawnCli(args: string[], opts: CliOptions): RunningCli {
  return spawnNode(CLI_BIN, args, opts);
}

/** Runs the CLI to completion. */
export function runCli(args: string[], opts: CliOptions): Promise<CliResult> {
  return spawnCli(args, opts).result;
}

/** Runs a TypeScript script with the CLI's loader (`node bin/run-ts.js script.ts ...`). */
export function runTsScript(script: string, args: string[], opts: CliOptions): Promise<CliResult> {
  return spawnNode(RUN_TS_BIN, [script, ...args], opts).result;
}

/** The closing `--json` line, as the engine defines it. */
export type SummaryLine = Extract<BuildEvent, { type: 'summary' }>;

/** Every `--json` event line of stdout, parsed. */
export function jsonEvents(stdout: string): Array<Record<string, unknown> & { type: string }> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown> & { type: string });
}

/** The `--json` summary, which must be the last line of stdout. */
export function summaryOf(stdout: string): SummaryLine {
  const lines = stdout.trimEnd().split('\n');
  const last = JSON.parse(lines[lines.length - 1]) as SummaryLine;
  if (last.type !== 'summary') throw new Error(`last stdout line is not a summary: ${lines[lines.length - 1]}`);
  return last;
}

/**
 * Temp copies of fixture projects, removed by `cleanup()` (call it in afterAll).
 * Files named `*.fixture` are copied without that suffix: it keeps deliberately
 * broken target modules (syntax errors) out of the repo's typecheck.
 */
export class TempProjects {
  private dirs: string[] = [];

  /** A fresh empty temp dir, removed with the rest. */
  async dir(prefix = 'kp-test-'): Promise<string> {
    const d = await fs.mkdtemp(join(tmpdir(), prefix));
    this.dirs.push(d);
    return d;
  }

  /** Copies tests/fixtures/projects/<name> into a fresh temp dir and returns its path. */
  async copy(name: string): Promise<string> {
    const dest = join(await this.dir(`kp-${name}-`), name);
    await copyTree(join(FIXTURE_PROJECTS, name), dest);
    return dest;
  }

  /** Writes `files` (path → content) into a fresh temp project; for one-off bad inputs. */
  async write(files: Record<string, string>, name = 'project'): Promise<string> {
    const dest = join(await this.dir(`kp-${name}-`), name);
    for (const [p, content] of Object.entries(files)) {
      await fs.mkdir(dirname(join(dest, p)), { recursive: true });
      await fs.writeFile(join(dest, p), content);
    }
    return dest;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.dirs.splice(0).map((d) => fs.rm(d, { recursive: true, force: true })));
  }
}

async function copyTree(src: string, dest: string): Promise<void> {
  await fs.mkdir(dest, { recursive: true });
  for (const d of await fs.readdir(src, { withFileTypes: true })) {
    const from = join(src, d.name);
    const to = join(dest, d.name.endsWith('.fixture') ? d.name.slice(0, -'.fixture'.length) : d.name);
    if (d.isDirectory()) await copyTree(from, to);
    else if (d.isSymbolicLink()) await fs.symlink(await fs.readlink(from), to);
    else await fs.copyFile(from, to);
  }
}

/** Every path under `dir` (relative, sorted), for "nothing was written" assertions. */
export async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string, rel: string): Promise<void> {
    const items = await fs.readdir(d, { withFileTypes: true }).catch(() => []);
    for (const i of items) {
      const r = rel ? `${rel}/${i.name}` : i.name;
      out.push(r);
      if (i.isDirectory()) await walk(join(d, i.name), r);
    }
  }
  await walk(dir, '');
  return out.sort();
}
