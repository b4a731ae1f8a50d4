// Target modules loaded without ESM loader hooks. Registering hooks starts a
// thread (about 0.1 s before the first target module loads, on every run that
// loads the project), so the CLI first tries this: each .ts module is
// transpiled by esbuild to CommonJS once (cached by path and content, like the
// hooks' cache) and run by Node's CommonJS loader, synchronously, in this
// thread. `import ... from 'kairos-pipe'` gets the engine's own API module, and
// `./x.js` finds `./x.ts`. What this cannot load the same way (top-level await,
// a local ESM .js helper) makes the caller fall back on the hooks.
import { existsSync, readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { moduleStamp, readTranspiled, transpiledPath, writeTranspiled } from '../../bin/module-cache.js';
import { loadedModules } from '../cache/journal/journal.js';

/** Bumped when the transpiled output changes for the same source. */
const VERSION = 'cjs-v1';
/** URL of the engine's API module (dist/index.js), set by bin/kairos-pipe.js when running from dist/. */
const API_URL = Symbol.for('kairos-pipe.api-url');

interface CjsModule {
  filename: string;
  _compile(code: string, filename: string): void;
}
interface ModuleInternals {
  _extensions: Record<string, (m: CjsModule, filename: string) => void>;
  _resolveFilename: (request: string, parent: unknown, ...rest: unknown[]) => string;
  _load: (request: string, parent: unknown, isMain: boolean) => unknown;
}
const M = Module as unknown as ModuleInternals;

let api: Record<string, unknown> | undefined;

/**
 * Readies the CommonJS path: true when the CLI runs from dist/ (it named the API
 * module); false in tests, when embedded and when running from src/ (the API is
 * TypeScript there, so the hooks are needed anyway).
 */
export async function tsRequireReady(): Promise<boolean> {
  const url = (globalThis as Record<symbol, unknown>)[API_URL] as string | undefined;
  if (!url) return false;
  api ??= (await import(url)) as Record<string, unknown>;
  install(api);
  return true;
}

function report(path: string): void {
  // the same stamp as the hooks report, taken before reading: the no-op journal compares against it
  loadedModules()?.push({ path, stat: moduleStamp(path) });
}

// esbuild is loaded on the first cache miss only (its sync API runs its binary).
const requireHere = createRequire(import.meta.url);

function transpile(file: string, source: string): string {
  const cached = transpiledPath(VERSION, file, source, '.cjs');
  const hit = readTranspiled(cached);
  if (hit !== undefined) return hit;
  const esbuild = requireHere('esbuild') as typeof import('esbuild');
  const out = esbuild.transformSync(source, {
    loader: 'ts', format: 'cjs', target: 'node20', sourcemap: 'inline', sourcefile: file,
    // import.meta has no CommonJS form; give it the module's own values.
    define: { 'import.meta.url': '__kp_import_meta_url', 'import.meta.dirname': '__dirname', 'import.meta.filename': '__filename' },
    banner: 'const __kp_import_meta_url = require("node:url").pathToFileURL(__filename).href;',
  });
  if (/\bimport\.meta\b/.test(out.code.replace(/\/\/# sourceMappingURL=.*$/m, ''))) throw new Error(`${file} uses import.meta beyond url, dirname and filename`);
  writeTranspiled(cached, out.code);
  return out.code;
}

let installed = false;

/** Teaches Node's CommonJS loader .ts files, 'kairos-pipe' and `./x.js` -> `./x.ts`. */
function install(apiNs: Record<string, unknown>): void {
  if (installed) return;
  installed = true;
  M._extensions['.ts'] = (m, filename) => {
    report(filename);
    m._compile(transpile(filename, readFileSync(filename, 'utf8')), filename);
  };
  for (const ext of ['.js', '.json', '.cjs']) {
    const original = M._extensions[ext];
    if (!original) continue;
    M._extensions[ext] = (m, filename) => {
      report(filename);
      original(m, filename);
    };
  }
  const resolveFilename = M._resolveFilename;
  M._resolveFilename = function (request, parent, ...rest) {
    if (request === 'kairos-pipe') return request;
    const from = (parent as { filename?: string } | undefined)?.filename;
    if (from && /^\.\.?\//.test(request) && request.endsWith('.js')) {
      const ts = join(dirname(from), request.replace(/\.js$/, '.ts'));
      if (!existsSync(join(dirname(from), request)) && existsSync(ts)) return ts;
    }
    try {
      return resolveFilename.call(this, request, parent, ...rest);
    } catch (e) {
      // A project without node_modules of its own (a copy, a remote clone) may use
      // the engine's dependencies: bare names resolve from here as a fallback, as the hooks do.
      if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' || /^(\.|\/|node:)/.test(request)) throw e;
      return requireHere.resolve(request);
    }
  };
  const load = M._load;
  M._load = function (request, parent, isMain) {
    if (request === 'kairos-pipe') return apiNs;
    return load.call(this, request, parent, isMain);
  };
}

/**
 * The exports of the target module `file`, loaded through the CommonJS loader
 * (after tsRequireReady()); undefined when the module needs ESM semantics: the
 * caller then imports it the usual way.
 */
export function requireTs(file: string): Record<string, unknown> | undefined {
  if (!api || !file.endsWith('.ts')) return undefined;
  const req = createRequire(file);
  try {
    return req(file) as Record<string, unknown>;
  } catch (e) {
    // Fall back where CommonJS cannot do what ESM does; a real error surfaces there too.
    const code = (e as NodeJS.ErrnoException).code;
    const text = String((e as Error).message ?? '');
    if (code === 'ERR_REQUIRE_ESM' || code === 'ERR_REQUIRE_ASYNC_MODULE' || /Top-level await|import\.meta beyond/.test(text)) {
      forget(file);
      return undefined;
    }
    throw e;
  }
}

/** Drops what a failed attempt left in the CommonJS cache, so the ESM path starts clean. */
function forget(file: string): void {
  const cache = (Module as unknown as { _cache: Record<string, unknown> })._cache;
  for (const k of Object.keys(cache)) if (k.endsWith('.ts') || k === file) delete cache[k];
}
