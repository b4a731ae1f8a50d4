// Remote repository references → what git fetches and where the targets live.
// `github.com/org/repo/sub/dir` is https://github.com/org/repo.git plus `sub/dir`;
// `git+<scheme>://host/path.git/sub` is that URL plus `sub`. Pure string handling.
import { InvalidRemoteRefError } from './errors.js';

export interface RemoteSpec {
  /** The repository as written, without subdir: `github.com/org/repo`, `git+https://h/p.git`. */
  repo: string;
  /** What git fetches from. */
  url: string;
  /** Folder inside the repository holding the targets ('' for the top). */
  subdir: string;
  /** Branch, tag or commit as written; undefined means the default branch (HEAD). */
  ref?: string;
}

const SCHEMES = /^git\+(https?|ssh|git|file):\/\//;

/** `repoPart` is what precedes `@ref+target` (parseTargetRef's `repo`). */
export function parseRemoteSpec(repoPart: string, ref: string | undefined, whole: string): RemoteSpec {
  if (ref !== undefined && !/^[A-Za-z0-9._/-]+$/.test(ref)) throw new InvalidRemoteRefError(whole, `'${ref}' is not a branch, tag or commit name`);
  if (repoPart.startsWith('git+')) {
    if (!SCHEMES.test(repoPart)) throw new InvalidRemoteRefError(whole, 'the scheme must be git+https://, git+http://, git+ssh://, git+git:// or git+file://');
    const raw = repoPart.slice(4);
    // A `.git/` component ends the repository URL; what follows is the subdir.
    const m = /^(.*?\.git)(?:\/(.+))?$/.exec(raw);
    const url = m ? m[1] : raw;
    const subdir = cleanSubdir(m?.[2] ?? '', whole);
    return { repo: `git+${url}`, url, subdir, ref };
  }
  const parts = repoPart.split('/');
  if (parts.length < 3 || !/^[a-z0-9.-]+\.[a-z]{2,}(:\d+)?$/i.test(parts[0]) || parts.slice(1, 3).some((p) => !/^[A-Za-z0-9._-]+$/.test(p))) {
    throw new InvalidRemoteRefError(whole, 'expected host/org/repo, e.g. github.com/kairos-io/pipelines');
  }
  const name = parts[2].replace(/\.git$/, '');
  const repo = `${parts[0]}/${parts[1]}/${name}`;
  return { repo, url: `https://${repo}.git`, subdir: cleanSubdir(parts.slice(3).join('/'), whole), ref };
}

function cleanSubdir(s: string, whole: string): string {
  const parts = s.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new InvalidRemoteRefError(whole, 'the folder inside the repository may not contain ..');
  return parts.join('/');
}

/** The lock file's key for a spec: repository and ref, not the subdir (one commit per repo@ref). */
export function lockKey(spec: RemoteSpec): string {
  return `${spec.repo}@${spec.ref ?? 'HEAD'}`;
}

export function isFullCommit(ref: string | undefined): ref is string {
  return ref !== undefined && /^[0-9a-f]{40}$/.test(ref);
}
