// Module hooks for TypeScript: 'kairos-pipe' resolves to our API, `./x.js`
// finds `./x.ts`, and .ts files (target modules; the engine itself when run
// from src/) are transpiled by esbuild once, then served from a
// content-addressed cache so a no-op build pays no compiler start.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { moduleStamp, readTranspiled, transpiledPath, writeTranspiled } from './module-cache.js';

// Where `import ... from 'kairos-pipe'` goes: the bundle, or src/ in development.
let API = new URL('../dist/index.js', import.meta.url).href;

// Where each loaded module is reported, with its stat taken before it is read:
// the no-op journal (src/cache/journal/) stamps target modules with it.
let port;

export function initialize(data) {
  if (data?.api) API = data.api;
  port = data?.port;
}

function report(url) {
  if (!port || !url.startsWith('file:')) return;
  const path = fileURLToPath(url);
  port.postMessage({ path, stat: moduleStamp(path) });
}
const VERSION = 'v1';
let esbuild;

export async function resolve(specifier, context, next) {
  if (specifier === 'kairos-pipe') return { url: API, shortCircuit: true };
  if (/^\.\.?\//.test(specifier) && specifier.endsWith('.js') && context.parentURL?.startsWith('file:')) {
    const ts = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    if (!existsSync(new URL(specifier, context.parentURL)) && existsSync(ts)) return { url: ts.href, shortCircuit: true };
  }
  try {
    return await next(specifier, context);
  } catch (e) {
    // A target module outside this package (another repo, a temp copy) may use
    // the engine's own dependencies: resolve bare names from here as a fallback.
    if (e?.code !== 'ERR_MODULE_NOT_FOUND' || /^[./]|^file:|^node:/.test(specifier)) throw e;
    return next(specifier, { ...context, parentURL: import.meta.url });
  }
}

export async function load(url, context, next) {
  report(url);
  if (!url.startsWith('file:') || !/\.(ts|mts)$/.test(url)) return next(url, context);
  const file = fileURLToPath(url);
  const source = readFileSync(file, 'utf8');
  const cached = transpiledPath(VERSION, file, source, '.mjs');
  const hit = readTranspiled(cached);
  if (hit !== undefined) return { format: 'module', source: hit, shortCircuit: true };
  esbuild ??= await import('esbuild');
  const out = await esbuild.transform(source, { loader: 'ts', format: 'esm', target: 'node20', sourcemap: 'inline', sourcefile: file });
  writeTranspiled(cached, out.code);
  return { format: 'module', source: out.code, shortCircuit: true };
}
