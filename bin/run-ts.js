#!/usr/bin/env node
// Runs a TypeScript script (benchmarks, test helpers) with the CLI's loader.
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

process.setSourceMapsEnabled(true);
register('./ts-hooks.js', { parentURL: import.meta.url, data: { api: new URL('../src/index.ts', import.meta.url).href } });
const [script, ...rest] = process.argv.slice(2);
process.argv = [process.argv[0], resolve(script), ...rest];
await import(pathToFileURL(resolve(script)).href);
