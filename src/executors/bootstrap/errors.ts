// Errors of the bootstrap step: a missing tool, an unreachable mirror, a failed
// debootstrap run. Each names what failed and what the user can do about it.
import { KairosError } from '../../errors/base.js';

export class BootstrapToolMissingError extends KairosError {
  readonly code = 'BOOTSTRAP_TOOL_MISSING';
  constructor(readonly tool: string, readonly pkg: string) {
    super(`bootstrap needs '${tool}', which is not installed on this machine`, {
      hint: `Install it with: apt-get install ${pkg} (or use a registry base image with from('debian:bookworm-slim')).`,
    });
  }
}

export class BootstrapNeedsRootError extends KairosError {
  readonly code = 'BOOTSTRAP_NEEDS_ROOT';
  constructor() {
    super('bootstrap runs debootstrap, which needs root (it creates device nodes and chroots into the new system)', {
      hint: 'Run kairos-pipe as root (sudo), or start from a registry base image instead of bootstrap().',
    });
  }
}

export class BootstrapMirrorError extends KairosError {
  readonly code = 'BOOTSTRAP_MIRROR_UNREACHABLE';
  constructor(readonly host: string, readonly url: string, detail: string, cause?: unknown) {
    super(`package mirror ${host} is not reachable (${url}: ${detail})`, {
      hint: `Check the network, or pass a reachable mirror: bootstrap({ ..., mirror: 'http://<your-mirror>/debian' }) / the flavor's mirror arg.`,
      cause,
    });
  }
}

export class BootstrapSuiteError extends KairosError {
  readonly code = 'BOOTSTRAP_UNKNOWN_SUITE';
  constructor(readonly suite: string, readonly url: string) {
    super(`suite '${suite}' does not exist on the mirror (${url} returned 404)`, {
      hint: 'Check the suite name (bookworm, trixie, jammy, noble, ...) and that the mirror carries it.',
    });
  }
}

export class BootstrapFailedError extends KairosError {
  readonly code = 'BOOTSTRAP_FAILED';
  constructor(readonly exitCode: number | null, readonly signal: string | null, readonly tail: string[]) {
    const how = signal ? `was killed by ${signal}` : `exited with code ${exitCode}`;
    super(`debootstrap ${how}${tail.length ? `; last output:\n  ${tail.join('\n  ')}` : ''}`, {
      hint: 'Read the output above; a package name in packages may be wrong, or the mirror may be incomplete.',
    });
  }
}

export class BootstrapCleanupError extends KairosError {
  readonly code = 'BOOTSTRAP_CLEANUP_FAILED';
  constructor(readonly dir: string, readonly mounts: string[]) {
    super(`could not unmount ${mounts.join(', ')} under ${dir}; the folder was left in place so nothing outside it is deleted`, {
      hint: `Unmount them by hand (umount -l <path>) and remove ${dir}.`,
    });
  }
}
