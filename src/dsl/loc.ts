// Where a target or step was written: the first stack frame outside the DSL,
// so errors can point at the user's file:line.
export interface SourceLoc {
  file: string;
  line: number;
  column: number;
}

const HERE = new URL('.', import.meta.url).pathname;
// Run from src/ this module is src/dsl/loc.ts; bundled it is in dist/, and
// source maps make its frames read src/dsl/... again. Skip both.
const PKG = HERE.endsWith('/dist/') ? HERE.slice(0, -'dist/'.length) : new URL('../../', import.meta.url).pathname;
const SKIP = [HERE, `${PKG}src/dsl/`, `${PKG}dist/`];

export function callerLoc(): SourceLoc | undefined {
  const stack = new Error().stack?.split('\n').slice(1) ?? [];
  for (const frame of stack) {
    const m = /\(?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?\s*$/.exec(frame);
    if (!m) continue;
    const file = m[1].startsWith('file://') ? new URL(m[1]).pathname : m[1];
    if (SKIP.some((s) => file.startsWith(s)) || file.includes('/node_modules/')) continue;
    return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}
