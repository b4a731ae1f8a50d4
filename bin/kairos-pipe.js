#!/usr/bin/env node
// Entry point: registers the TypeScript loader (tsx) so neither the engine nor
// target modules need a compile step, then hands argv to the CLI.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

register('./resolve-hook.js', import.meta.url);
registerTsx();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
