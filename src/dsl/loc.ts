// Where a target or step was written: the first stack frame outside the DSL,
// so errors can point at the user's file:line.
import { findSourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

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

/**
 * The raw call sites above `fn`. A stack read through `.stack` would have Node
 * map every frame through its source map, parsing the maps of the engine's own
 * files (tens of ms per run); only the one frame we keep is mapped (mapFrame).
 */
function callSites(fn: (...a: never[]) => unknown): NodeJS.CallSite[] {
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  try {
    Error.prepareStackTrace = (_e, sites) => sites;
    Error.stackTraceLimit = 50;
    const holder: { stack?: NodeJS.CallSite[] } = {};
    Error.captureStackTrace(holder, fn);
    return Array.isArray(holder.stack) ? holder.stack : [];
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

const pathOf = (f: string): string => (f.startsWith('file://') ? fileURLToPath(f) : f);

/** The frame's place in its original source when the module has a source map (a transpiled target module). */
function mapFrame(file: string, line: number, column: number): SourceLoc {
  const entry = findSourceMap(file)?.findEntry(line - 1, column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number } | undefined;
  if (entry?.originalLine === undefined || entry.originalColumn === undefined) return { file: pathOf(file), line, column };
  const source = entry.originalSource && /^(file:\/\/)?\//.test(entry.originalSource) ? pathOf(entry.originalSource) : pathOf(file);
  return { file: source, line: entry.originalLine + 1, column: entry.originalColumn + 1 };
}

export function callerLoc(): SourceLoc | undefined {
  for (const site of callSites(callerLoc)) {
    const name = site.getFileName();
    const line = site.getLineNumber();
    const column = site.getColumnNumber();
    if (!name || !line || !column || !/^(file:\/\/)?\//.test(name)) continue;
    const file = pathOf(name);
    if (SKIP.some((s) => file.startsWith(s)) || file.includes('/node_modules/')) continue;
    return mapFrame(name, line, column);
  }
  return undefined;
}
