// Test repositories made with real git, served by `git daemon` on 127.0.0.1 (stopped by
// PID) and readable through file:// as well.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { freePort } from '../../support/registry-server.js';

export interface GitDaemon {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.org' };

export function gitIn(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env: GIT_ENV, encoding: 'utf8' }).trim();
}

/** Writes `files` into the work repo, commits, optionally tags (moving the tag), pushes to the bare repo; returns the commit. */
export function commitFiles(work: string, files: Record<string, string | null>, message: string, tag?: string): string {
  for (const [p, content] of Object.entries(files)) {
    if (content === null) rmSync(join(work, p), { force: true });
    else {
      mkdirSync(dirname(join(work, p)), { recursive: true });
      writeFileSync(join(work, p), content);
    }
  }
  gitIn(work, 'add', '-A');
  gitIn(work, 'commit', '-q', '-m', message);
  if (tag) gitIn(work, 'tag', '-f', tag);
  gitIn(work, 'push', '-q', '-f', 'origin', 'HEAD:main', ...(tag ? [`+refs/tags/${tag}:refs/tags/${tag}`] : []));
  return gitIn(work, 'rev-parse', 'HEAD');
}

/** A bare repo at `<base>/<path>` and a work clone next to it. */
export function makeRepo(base: string, path: string, workDir: string): { bare: string; work: string } {
  const bare = join(base, path);
  mkdirSync(bare, { recursive: true });
  gitIn(bare, 'init', '-q', '--bare', '-b', 'main');
  mkdirSync(workDir, { recursive: true });
  gitIn(workDir, 'init', '-q', '-b', 'main');
  gitIn(workDir, 'remote', 'add', 'origin', bare);
  return { bare, work: workDir };
}

export async function startGitDaemon(base: string): Promise<GitDaemon> {
  const port = await freePort();
  const child = spawn('git', ['daemon', `--port=${port}`, '--listen=127.0.0.1', `--base-path=${base}`, '--export-all', '--reuseaddr', base], { stdio: 'ignore' });
  const pid = child.pid;
  if (!pid) throw new Error('git daemon did not start');
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      execFileSync('git', ['ls-remote', `git://127.0.0.1:${port}/does-not-matter`], { stdio: 'pipe', timeout: 2000 });
      break;
    } catch (e) {
      // "not found"/"access denied" means it answers; a refused connection means not yet.
      if (!/Connection refused|unable to connect/i.test(String((e as { stderr?: Buffer }).stderr ?? ''))) break;
    }
    if (exited || Date.now() > deadline) throw new Error('git daemon did not listen within 10 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    pid,
    stop: async () => {
      if (exited) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      process.kill(pid, 'SIGTERM');
      await gone;
    },
  };
}
