// A file's stamp: what must be unchanged for a file we read before to still hold
// the same bytes, mode and place. lstat only (no content read), with nanosecond
// mtime and ctime: ctime moves on chmod, chown and rename, which mtime misses.
import { lstatSync, type BigIntStats } from 'node:fs';

export const ABSENT = '-';

/** How close to "now" an mtime/ctime may be before the stamp cannot be trusted:
 * a file written twice within one timestamp tick looks unchanged (git's "racy" files). */
const RACY_NS = 2_000_000_000n;

export interface Stamped {
  stamp: string;
  /** Changed so recently that a later write could keep the same stamp. */
  racy: boolean;
}

/** The stat fields a stamp is made of, as bin/ts-hooks.js sends them across threads. */
export type RawStat = Pick<BigIntStats, 'ino' | 'size' | 'mode' | 'mtimeNs' | 'ctimeNs'>;

/** `racyAfterNs`: a change at or after this time makes the stamp racy (default: 2 s ago). */
export function stampFromStat(st: RawStat, racyAfterNs = BigInt(Date.now()) * 1_000_000n - RACY_NS): Stamped {
  const stamp = `${st.ino}:${st.size}:${st.mode}:${st.mtimeNs}:${st.ctimeNs}`;
  return { stamp, racy: st.mtimeNs >= racyAfterNs || st.ctimeNs >= racyAfterNs };
}

/** The stamp of `path` now; ABSENT when it does not exist. Other errors throw. */
export function stampOf(path: string, racyAfterNs?: bigint): Stamped {
  let st: BigIntStats;
  try {
    st = lstatSync(path, { bigint: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { stamp: ABSENT, racy: false };
    throw e;
  }
  return stampFromStat(st, racyAfterNs);
}

/** 2 s before `ms`, in ns: stamps taken after a build must not have changed since it started. */
export function racyAfter(ms: number): bigint {
  return BigInt(ms) * 1_000_000n - RACY_NS;
}
