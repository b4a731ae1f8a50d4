// Parses cache locations: `dir:PATH`, `oci-archive:FILE`, `registry:HOST/REPO:TAG`,
// each optionally followed by `,mode=min|max`. Pure string handling.
import { resolve } from 'node:path';
import { parseReference, type ImageRef } from '../../oci/registry/index.js';
import { CacheRefError } from './errors.js';

export type CacheMode = 'min' | 'max';

export type CacheLocation =
  | { kind: 'dir'; path: string; text: string; mode: CacheMode }
  | { kind: 'oci-archive'; file: string; text: string; mode: CacheMode }
  | { kind: 'registry'; ref: ImageRef; text: string; mode: CacheMode };

/** Default mode: max, because the scheduler checks every step of a target in order (see docs/ci.md). */
export const DEFAULT_MODE: CacheMode = 'max';

export function parseCacheLocation(spec: string, cwd = process.cwd()): CacheLocation {
  const [main, ...opts] = spec.split(',');
  let mode: CacheMode = DEFAULT_MODE;
  for (const o of opts) {
    const [k, v] = o.split('=');
    if (k !== 'mode' || (v !== 'min' && v !== 'max')) throw new CacheRefError(spec, `unknown option '${o}' (only mode=min or mode=max)`);
    mode = v;
  }
  const colon = main.indexOf(':');
  const kind = colon > 0 ? main.slice(0, colon) : '';
  const rest = main.slice(colon + 1);
  if (!rest) throw new CacheRefError(spec, 'the location after the colon is empty');
  if (kind === 'dir') return { kind, path: resolve(cwd, rest), text: main, mode };
  if (kind === 'oci-archive') return { kind, file: resolve(cwd, rest), text: main, mode };
  if (kind === 'registry') {
    let ref: ImageRef;
    try {
      ref = parseReference(rest);
    } catch (e) {
      throw new CacheRefError(spec, (e as Error).message);
    }
    if (ref.digest) throw new CacheRefError(spec, 'a cache is written under a tag, not a digest');
    return { kind, ref, text: main, mode };
  }
  throw new CacheRefError(spec, `unknown kind '${kind || main}'`);
}
