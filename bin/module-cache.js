// Shared by the two ways target modules load (bin/ts-hooks.js in the hooks thread, and
// src/load/ts-require.ts on the CommonJS path): the stamp each loaded module is reported with
// for the no-op journal, and the content-addressed cache of transpiled TypeScript. Plain
// JavaScript, because the hooks thread cannot load TypeScript.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CACHE = process.env.KAIROS_PIPE_TS_CACHE ?? join(tmpdir(), `kairos-pipe-ts-${process.getuid?.() ?? 'u'}`);

/**
 * A module's stat, taken before it is read (the journal compares against it), or null when it
 * cannot be taken (such a module is never trusted). `at`: when it was taken, which is what
 * "changed too recently to trust" is measured against.
 */
export function moduleStamp(path) {
  try {
    const st = lstatSync(path, { bigint: true });
    return { ino: String(st.ino), size: String(st.size), mode: String(st.mode), mtimeNs: String(st.mtimeNs), ctimeNs: String(st.ctimeNs), at: Date.now() };
  } catch {
    return null;
  }
}

/** Where the transpiled form of `source` (at `file`) is cached; `version` names the transform. */
export function transpiledPath(version, file, source, ext) {
  return join(CACHE, `${createHash('sha256').update(`${version}\0${file}\0${source}`).digest('hex')}${ext}`);
}

/** The cached transpiled code at `path`, if any. */
export function readTranspiled(path) {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** Caches `code` at `path` (temp file, then rename: readers never see a partial file). */
export function writeTranspiled(path, code) {
  mkdirSync(CACHE, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, path);
}
