#!/usr/bin/env node
// Entry point. Runs the bundled engine from dist/ (built by `npm ci`); when
// dist/ is missing or older than a source file (development), runs src/
// directly. Either way TypeScript is loaded through bin/ts-hooks.js.
import { register } from 'node:module';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
process.setSourceMapsEnabled(true);

function newestSource(dir) {
  let newest = 0;
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    newest = Math.max(newest, d.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const dist = join(root, 'dist', 'cli.js');
const useDist = process.env.KAIROS_PIPE_FROM_SOURCE !== '1' && existsSync(dist) && statSync(dist).mtimeMs >= newestSource(join(root, 'src'));
const entry = useDist ? dist : join(root, 'src', 'cli', 'main.ts');
const api = useDist ? join(root, 'dist', 'index.js') : join(root, 'src', 'index.ts');
const hooks = () => register('./ts-hooks.js', { parentURL: import.meta.url, data: { api: pathToFileURL(api).href } });
// The bundle is plain JS: import it before the hooks exist, so its modules do not
// each take a round trip through the hooks thread (about half the start time).
if (!useDist) hooks();
const { main } = await import(pathToFileURL(entry).href);
if (useDist) hooks();
process.exitCode = await main(process.argv.slice(2));
