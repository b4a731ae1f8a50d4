// Bundles the engine into dist/ (run by `npm ci` through "prepare") so the CLI
// starts without transpiling itself. bin/ falls back to running src/ through
// tsx when dist/ is missing or older than a source file.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { cli: 'src/cli/main.ts', index: 'src/index.ts', 'fast-run': 'src/cli/fast-run.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true, // cli and index share one copy of dsl/ and errors/
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
