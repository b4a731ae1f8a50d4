import { KairosError } from '../errors/base.js';

export class DigestMismatchError extends KairosError {
  readonly code = 'DIGEST_MISMATCH';
  constructor(readonly expected: string, readonly actual: string, where: string) {
    super(`content of ${where} has digest ${actual}, expected ${expected}`, {
      hint: 'The data was corrupted or truncated in transit or on disk; it was not stored. Retry the build.',
    });
  }
}

export class CacheDirError extends KairosError {
  readonly code = 'CACHE_DIR_UNUSABLE';
  constructor(readonly dir: string, cause: unknown) {
    super(`cache directory ${dir} cannot be used: ${(cause as Error)?.message ?? cause}`, {
      hint: 'Pass a writable folder with --cache-dir or KAIROS_PIPE_CACHE.',
      cause,
    });
  }
}
