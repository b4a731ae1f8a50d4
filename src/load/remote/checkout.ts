// Clones and checkouts of remote repositories, shared by every project using one cache:
//   <cache>/git/repos/<sha256(url)[:16]>.git   bare clone, shallow where the server allows
//   <cache>/git/worktrees/<commit>/             files of one commit, published by rename
// A worktree is only ever read; two processes racing to create one write the same files.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { git, GitFailed, isUnreachable } from './git.js';

export function gitRoot(cacheDir: string): string {
  return join(cacheDir, 'git');
}

export function worktreePath(cacheDir: string, commit: string): string {
  return join(gitRoot(cacheDir), 'worktrees', commit);
}

function barePath(cacheDir: string, url: string): string {
  return join(gitRoot(cacheDir), 'repos', `${createHash('sha256').update(url).digest('hex').slice(0, 16)}.git`);
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

async function ensureBare(cacheDir: string, url: string): Promise<string> {
  const bare = barePath(cacheDir, url);
  if (await exists(join(bare, 'HEAD'))) return bare;
  const tmp = `${bare}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await fs.mkdir(join(gitRoot(cacheDir), 'repos'), { recursive: true });
  await git(['init', '--bare', '-q', tmp]);
  await git(['--git-dir', tmp, 'config', 'kairos-pipe.url', url]);
  await fs.rename(tmp, bare).catch(async () => fs.rm(tmp, { recursive: true, force: true })); // another process won
  return bare;
}

async function hasCommit(bare: string, commit: string): Promise<boolean> {
  return git(['--git-dir', bare, 'cat-file', '-e', `${commit}^{commit}`]).then(
    () => true,
    () => false,
  );
}

export type FetchOutcome = { ok: true } | { ok: false; unreachable: boolean; detail: string };

/**
 * Makes `commit` present in the bare clone: a shallow fetch of that one commit first
 * (git:// and file:// servers and GitHub allow it), else every branch and tag.
 */
export async function fetchCommit(cacheDir: string, url: string, commit: string): Promise<FetchOutcome> {
  const bare = await ensureBare(cacheDir, url);
  if (await hasCommit(bare, commit)) return { ok: true };
  let detail = '';
  try {
    await git(['--git-dir', bare, 'fetch', '-q', '--no-tags', '--depth=1', '--', url, commit]);
  } catch (e) {
    detail = (e as GitFailed).stderr ?? String(e);
    if (isUnreachable(detail) && !/not our ref|unadvertised|no such remote ref|couldn't find remote ref/i.test(detail)) return { ok: false, unreachable: true, detail: lastLine(detail) };
    try {
      await git(['--git-dir', bare, 'fetch', '-q', '--no-tags', '--', url, '+refs/heads/*:refs/kp/heads/*', '+refs/tags/*:refs/kp/tags/*']);
    } catch (e2) {
      const d2 = (e2 as GitFailed).stderr ?? String(e2);
      return { ok: false, unreachable: isUnreachable(d2), detail: lastLine(d2) };
    }
  }
  if (!(await hasCommit(bare, commit))) return { ok: false, unreachable: false, detail: lastLine(detail) || 'commit not found' };
  // A ref keeps the commit from being pruned by a later `git gc` of the clone.
  await git(['--git-dir', bare, 'update-ref', `refs/kp/commits/${commit}`, commit]);
  return { ok: true };
}

/** The checkout of `commit` (fetched already), created once and then only read. */
export async function ensureWorktree(cacheDir: string, url: string, commit: string): Promise<string> {
  const wt = worktreePath(cacheDir, commit);
  if (await exists(wt)) return wt;
  const bare = barePath(cacheDir, url);
  const tmp = join(gitRoot(cacheDir), 'worktrees', `.tmp-${commit.slice(0, 12)}-${process.pid}-${randomBytes(4).toString('hex')}`);
  await fs.mkdir(tmp, { recursive: true });
  // A private index: the bare clone's HEAD and index are never touched, so concurrent checkouts do not race.
  const env = { GIT_INDEX_FILE: `${tmp}.index` };
  try {
    await git(['--git-dir', bare, '--work-tree', tmp, 'read-tree', commit], { env });
    await git(['--git-dir', bare, '--work-tree', tmp, 'checkout-index', '-a', '-f'], { env });
    await fs.rename(tmp, wt).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e;
      await fs.rm(tmp, { recursive: true, force: true }); // another process published it first
    });
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  } finally {
    await fs.rm(`${tmp}.index`, { force: true });
  }
  return wt;
}

function lastLine(s: string): string {
  return s.trim().split('\n').filter(Boolean).slice(-1)[0] ?? '';
}
