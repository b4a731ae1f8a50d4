// Record signatures: HMAC-SHA256 over the record's canonical JSON with a shared key
// (--cache-key-file or KAIROS_PIPE_CACHE_KEY). Trusted branches sign on export; an
// importer holding the key ignores unsigned and mismatching records.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalJson } from '../canonical.js';
import type { StepRecord } from '../records.js';
import { CacheKeyFileError } from './errors.js';

export function signRecord(record: StepRecord, key: Buffer): string {
  return createHmac('sha256', key).update(canonicalJson(record)).digest('hex');
}

export function verifyRecord(record: StepRecord, signature: string | undefined, key: Buffer): boolean {
  if (typeof signature !== 'string' || !/^[0-9a-f]{64}$/.test(signature)) return false;
  return timingSafeEqual(Buffer.from(signRecord(record, key), 'hex'), Buffer.from(signature, 'hex'));
}

/** The key from a file (trailing newline dropped) or the environment; undefined when neither is set. */
export function loadCacheKey(file: string | undefined, env: NodeJS.ProcessEnv): Buffer | undefined {
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new CacheKeyFileError(file, e);
    }
    if (!text) throw new CacheKeyFileError(file, new Error('the file is empty'));
    return Buffer.from(text);
  }
  const v = env.KAIROS_PIPE_CACHE_KEY;
  return v ? Buffer.from(v) : undefined;
}
