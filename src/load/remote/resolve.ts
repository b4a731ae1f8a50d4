// Remote target references → a loaded Project from a pinned checkout. The commit comes
// from kairos-pipe.lock when it has the ref (no network unless the commit is not in the
// cache yet), else from `git ls-remote`, and is then written to the lock. A remote
// project may never reach files outside its checkout.
import { promises as fs } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { closest } from 'fastest-levenshtein';
import { loadProject, type Project } from '../project.js';
import { KairosError } from '../../errors/base.js';
import { parseRemoteSpec, lockKey, isFullCommit, type RemoteSpec } from './spec.js';
import { readLock, updateLock, LOCK_FILE } from './lock.js';
import { lsRemote, pickRef, refNames, GitFailed } from './git.js';
import { ensureWorktree, fetchCommit } from './checkout.js';
import { LockedCommitMissingError, RemoteEscapeError, RemoteLoadError, RemoteRefUnknownError, RemoteUnreachableError } from './errors.js';

export interface RemoteOptions {
  /** The cache folder; clones and checkouts go to <cacheDir>/git/. */
  cacheDir: string;
  /** Folder of the kairos-pipe.lock to read and write: the root project's. */
  lockRoot: string;
  /** Resolve refs again instead of using the lock (`kairos-pipe update`). */
  update?: boolean;
}

export interface RemoteOrigin {
  spec: RemoteSpec;
  commit: string;
  /** The checkout's top folder: nothing outside it may be read. */
  checkout: string;
  /** `github.com/org/repo/sub@<commit:12>`: how instances of this project are labelled. */
  display: string;
}

const origins = new WeakMap<Project, RemoteOrigin>();
const pins = new Map<string, Promise<string>>();

export function remoteOriginOf(project: Project): RemoteOrigin | undefined {
  return origins.get(project);
}

/** The ref's commit: from the lock, or resolved and then locked. Fetched into the cache either way. */
export function pinCommit(spec: RemoteSpec, whole: string, opts: RemoteOptions): Promise<string> {
  const id = `${resolve(opts.lockRoot)}\0${resolve(opts.cacheDir)}\0${lockKey(spec)}\0${opts.update ? 'u' : ''}`;
  let p = pins.get(id);
  if (!p) {
    p = doPin(spec, whole, opts);
    pins.set(id, p);
    p.catch(() => pins.delete(id));
  }
  return p;
}

async function doPin(spec: RemoteSpec, whole: string, opts: RemoteOptions): Promise<string> {
  const key = lockKey(spec);
  const locked = opts.update ? undefined : (await readLock(opts.lockRoot)).remotes[key];
  if (locked) {
    const got = await fetchCommit(opts.cacheDir, locked.url, locked.commit);
    if (!got.ok) {
      if (got.unreachable) throw new RemoteUnreachableError(whole, locked.url, got.detail);
      throw new LockedCommitMissingError(whole, locked.url, locked.commit, LOCK_FILE);
    }
    return locked.commit;
  }
  const commit = await resolveRef(spec, whole);
  const got = await fetchCommit(opts.cacheDir, spec.url, commit);
  if (!got.ok) {
    if (got.unreachable) throw new RemoteUnreachableError(whole, spec.url, got.detail);
    throw new RemoteRefUnknownError(whole, spec.url, spec.ref ?? 'HEAD', []);
  }
  await updateLock(opts.lockRoot, { [key]: { url: spec.url, commit } });
  return commit;
}

/** ref → commit over the network (`git ls-remote`); a full commit id is taken as is. */
export async function resolveRef(spec: RemoteSpec, whole: string): Promise<string> {
  if (isFullCommit(spec.ref)) return spec.ref;
  let refs: Map<string, string>;
  try {
    refs = await lsRemote(spec.url);
  } catch (e) {
    const detail = e instanceof GitFailed ? e.stderr.trim().split('\n').filter(Boolean).slice(-1)[0] ?? e.message : String(e);
    throw new RemoteUnreachableError(whole, spec.url, detail, e);
  }
  const commit = pickRef(refs, spec.ref);
  if (!commit) {
    const names = refNames(refs);
    const near = spec.ref && names.length ? closest(spec.ref, names) : undefined;
    throw new RemoteRefUnknownError(whole, spec.url, spec.ref ?? 'HEAD', near ? [near, ...names.filter((n) => n !== near)] : names);
  }
  return commit;
}

/** Loads the targets of `github.com/o/r/sub@ref` (parseTargetRef's repo and ref) from their checkout. */
export async function loadRemoteProject(parsed: { repo: string; ref?: string }, whole: string, opts: RemoteOptions): Promise<Project> {
  const spec = parseRemoteSpec(parsed.repo, parsed.ref, whole);
  const commit = await pinCommit(spec, whole, opts);
  const checkout = await ensureWorktree(opts.cacheDir, spec.url, commit);
  const origin: RemoteOrigin = { spec, commit, checkout, display: displayOf(spec, commit) };
  return loadInside(join(checkout, spec.subdir), origin, whole);
}

/** `./dir+name` written inside a remote project: stays inside the same checkout. */
export async function loadLocalOfRemote(project: Project, dir: string, whole: string): Promise<Project | undefined> {
  const origin = origins.get(project);
  if (!origin) return undefined;
  const root = resolve(project.root, dir);
  if (!inside(origin.checkout, root)) throw new RemoteEscapeError(whole, `the folder ${dir}`);
  const subdir = relative(origin.checkout, root).split(sep).join('/');
  const spec = { ...origin.spec, subdir };
  return loadInside(root, { ...origin, spec, display: displayOf(spec, origin.commit) }, whole);
}

async function loadInside(root: string, origin: RemoteOrigin, whole: string): Promise<Project> {
  const realCheckout = await fs.realpath(origin.checkout);
  const realRoot = await fs.realpath(root).catch(() => undefined);
  if (!realRoot) throw new RemoteLoadError(whole, origin.commit, `the repository has no folder ${origin.spec.subdir || '.'}`);
  if (!inside(realCheckout, realRoot)) throw new RemoteEscapeError(whole, `the folder ${origin.spec.subdir}`);
  let project: Project;
  try {
    project = await loadProject(root);
  } catch (e) {
    const detail = e instanceof KairosError ? e.message : (e as Error)?.message ?? String(e);
    throw new RemoteLoadError(whole, origin.commit, detail, e);
  }
  for (const t of project.targets.values()) {
    const ctx = await fs.realpath(t.context).catch(() => resolve(t.context));
    if (!inside(realCheckout, ctx) || !inside(origin.checkout, resolve(t.context))) {
      throw new RemoteEscapeError(`${origin.display}+${t.def.name}`, `the build context ${t.def.context ?? '.'}`);
    }
  }
  if (!origins.has(project)) origins.set(project, origin);
  return project;
}

function displayOf(spec: RemoteSpec, commit: string): string {
  return `${spec.repo}${spec.subdir ? `/${spec.subdir}` : ''}@${commit.slice(0, 12)}`;
}

function inside(root: string, p: string): boolean {
  const r = relative(root, p);
  return r === '' || (r !== '..' && !r.startsWith(`..${sep}`) && !isAbsolute(r));
}
