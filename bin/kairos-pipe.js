#!/usr/bin/env node
// Entry point. Runs the bundled engine from dist/ (built by `npm ci`), loading
// target modules through small transpile-and-cache hooks; falls back to running
// src/ through tsx when dist/ is missing or older than the sources (development).
import { register } from 'node:module';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
let main;
if (useDist) {
  register('./ts-hooks.js', import.meta.url);
  ({ main } = await import('../dist/cli.js'));
} else {
  const { register: registerTsx } = await import('tsx/esm/api');
  register('./resolve-hook.js', import.meta.url);
  registerTsx();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
