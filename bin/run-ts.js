#!/usr/bin/env node
// Runs a TypeScript script (benchmarks, helpers) with the same loader as the CLI.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

register('./resolve-hook.js', import.meta.url);
registerTsx();
const [script, ...rest] = process.argv.slice(2);
process.argv = [process.argv[0], script, ...rest];
await import(pathToFileURL(resolve(script)).href);
