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
  // Dependencies are bundled too: the ESM loader's cost is per module file (zod
  // alone is ~100), and --version took ~0.48 s with them loaded from node_modules.
  // Kept outside: dockerode (optional native ssh2 parts), esbuild (a binary
  // driver, loaded by the target-module hooks only).
  external: ['dockerode', 'esbuild'],
  // Bundled CommonJS code calls require() for Node built-ins; give ESM chunks one.
  banner: { js: "import { createRequire as __kpCreateRequire } from 'node:module'; const require = __kpCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
});
