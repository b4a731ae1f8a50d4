// Errors of remote targets (other git repositories): each names the reference and
// says what to do. Codes are stable; tests and CI scripts switch on them.
import { KairosError } from '../../errors/base.js';

export class InvalidRemoteRefError extends KairosError {
  readonly code = 'REMOTE_REF_INVALID';
  constructor(readonly ref: string, reason: string) {
    super(`remote target reference ${ref} is not valid: ${reason}`, {
      hint: 'Write github.com/org/repo[/sub/dir]@ref+target or git+https://host/path.git@ref+target (also git+ssh://, git+file://).',
    });
  }
}

export class RemoteUnreachableError extends KairosError {
  readonly code = 'REMOTE_UNREACHABLE';
  constructor(readonly ref: string, readonly url: string, detail: string, cause?: unknown) {
    super(`cannot reach the repository of ${ref} (${url}): ${detail}`, {
      hint: 'Check the URL, the network and your git credentials (git must be able to `git ls-remote` it), or map the URL to a mirror with git config url.<mirror>.insteadOf.',
      cause,
    });
  }
}

export class RemoteRefUnknownError extends KairosError {
  readonly code = 'REMOTE_REF_UNKNOWN';
  constructor(readonly ref: string, readonly url: string, readonly gitRef: string, near: string[]) {
    super(`${url} has no branch, tag or commit named '${gitRef}' (in ${ref})`, {
      hint: near.length ? `Known refs include: ${near.slice(0, 8).join(', ')}. Full 40-character commit ids work too.` : 'Use a branch, a tag or a full 40-character commit id.',
    });
  }
}

export class LockedCommitMissingError extends KairosError {
  readonly code = 'REMOTE_LOCKED_COMMIT_MISSING';
  constructor(readonly ref: string, readonly url: string, readonly commit: string, lockFile: string) {
    super(`${lockFile} pins ${ref} to commit ${commit}, which ${url} no longer has (force-pushed or deleted?)`, {
      hint: `Run \`kairos-pipe update ${ref.replace(/\+[^+]*$/, '')}\` to pin the ref again, then review the change to the lock file.`,
    });
  }
}

export class RemoteLoadError extends KairosError {
  readonly code = 'REMOTE_LOAD_FAILED';
  constructor(readonly ref: string, commit: string, detail: string, cause?: unknown) {
    super(`the target modules of ${ref} (commit ${commit.slice(0, 12)}) failed to load: ${detail}`, {
      hint: 'The remote repository has a broken or incompatible target module at that commit: pin another ref (then `kairos-pipe update`), or report it to its maintainers.',
      cause,
    });
  }
}

export class RemoteEscapeError extends KairosError {
  readonly code = 'REMOTE_OUTSIDE_CHECKOUT';
  constructor(readonly ref: string, what: string) {
    super(`${ref}: ${what} is outside the repository's checkout`, {
      hint: 'A remote target may only read files of its own repository; keep build contexts and ./dir+target references inside it.',
    });
  }
}
