// Errors of cache export/import (--cache-to / --cache-from / kairos-pipe cache export|import).
import { KairosError } from '../../errors/base.js';

export class CacheRefError extends KairosError {
  readonly code = 'CACHE_REF_INVALID';
  constructor(readonly spec: string, reason: string) {
    super(`cache location '${spec}' is not valid: ${reason}`, {
      hint: 'Use dir:PATH, oci-archive:FILE or registry:HOST/REPO:TAG, optionally followed by ,mode=min or ,mode=max.',
    });
  }
}

export class InvalidCacheError extends KairosError {
  readonly code = 'CACHE_INVALID';
  constructor(readonly where: string, reason: string) {
    super(`${where} does not hold a kairos-pipe cache: ${reason}`, {
      hint: 'Point --cache-from at something written by --cache-to or `kairos-pipe cache export`.',
    });
  }
}

export class CacheKeyFileError extends KairosError {
  readonly code = 'CACHE_KEY_UNREADABLE';
  constructor(readonly file: string, cause: unknown) {
    super(`cannot read the cache signing key ${file}: ${(cause as Error)?.message ?? String(cause)}`, {
      hint: 'Pass a readable file with --cache-key-file, or set KAIROS_PIPE_CACHE_KEY; the key must not be empty.',
      cause,
    });
  }
}
