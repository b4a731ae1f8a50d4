#!/usr/bin/env node
// Entry point. Runs the bundled engine from dist/ (built by `npm ci`); when
// dist/ is missing or older than a source file (development), runs src/
// directly. Either way TypeScript is loaded through bin/ts-hooks.js.
import { register } from 'node:module';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function newestSource(dir) {
  let newest = 0;
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    newest = Math.max(newest, d.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const dist = join(root, 'dist', 'cli.js');
const newest = newestSource(join(root, 'src'));
const distStat = existsSync(dist) ? statSync(dist) : undefined;
const useDist = process.env.KAIROS_PIPE_FROM_SOURCE !== '1' && distStat !== undefined && distStat.mtimeMs >= newest;
const fromDist = (name) => join(root, 'dist', `${name}.js`);
const entry = useDist ? dist : join(root, 'src', 'cli', 'main.ts');
const api = useDist ? fromDist('index') : join(root, 'src', 'index.ts');
// Which engine this is: a no-op journal written by another build of it does not count.
const engine = useDist ? `dist:${distStat.mtimeMs}:${distStat.size}` : `src:${newest}`;
globalThis[Symbol.for('kairos-pipe.engine')] = engine;

// The loader hooks report every module they load (with its stat, taken before
// reading) so a no-op journal can tell later whether a target module changed.
const modules = [];
globalThis[Symbol.for('kairos-pipe.modules')] = modules;
let hooked = false;
const hooks = () => {
  if (hooked) return;
  hooked = true;
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (m) => modules.push(m));
  port1.unref();
  register('./ts-hooks.js', { parentURL: import.meta.url, data: { api: pathToFileURL(api).href, port: port2 }, transferList: [port2] });
};
// The bundle is plain JS: import it before the hooks exist, so its modules do not
// each take a round trip through the hooks thread. From dist/ the hooks are
// registered only when target modules are loaded (src/load/project.ts): starting
// their thread costs ~0.1 s, which --version, cache and doctor need not pay.
globalThis[Symbol.for('kairos-pipe.hooks')] = hooks;
// From dist/, target modules are first tried through the CommonJS loader with
// our API (src/load/ts-require.ts): no hooks thread at all.
if (useDist) globalThis[Symbol.for('kairos-pipe.api-url')] = pathToFileURL(api).href;
if (!useDist) hooks();
const argv = process.argv.slice(2);
// A rerun with nothing changed is answered from the journal without loading the engine.
const fast = argv[0] === 'run' ? await (await import(pathToFileURL(useDist ? fromDist('fast-run') : join(root, 'src', 'cli', 'fast-run.ts')).href)).fastRun(argv, engine) : undefined;
if (fast !== undefined) process.exitCode = fast;
else {
  // Stack traces point into targets/*.ts (and src/ when run from it): not before the
  // fast path. From dist/ the maps are turned on only after the bundle is loaded:
  // reading its own maps cost ~35 ms a run; its frames then read dist/…
  // (KAIROS_PIPE_FROM_SOURCE=1 gives src/ ones).
  if (!useDist) process.setSourceMapsEnabled(true);
  const { main } = await import(pathToFileURL(entry).href);
  if (useDist) process.setSourceMapsEnabled(true);
  process.exitCode = await main(argv);
}
