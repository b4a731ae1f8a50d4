// `npm run bench`: runs, in one process and one after the other, every benchmark
// module that exists (core, iso, executors, registry, kairos — the last opt-in with
// BENCH_KAIROS=1, ~20–30 min) and prints their figures.
// BENCH_ONLY=iso,kairos runs only the named modules (kairos still needs BENCH_KAIROS=1).
// Each module exports `default async function bench(report)`. A missing module is
// skipped with a note; a failing one is reported and the others still run.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cpus, totalmem, release } from 'node:os';

type Bench = (report: (line: string) => void) => Promise<void>;

const HERE = dirname(fileURLToPath(import.meta.url));
const MODULES = ['core', 'iso', 'executors', 'registry', 'cache-transfer', 'kairos']; // kairos: opt-in, BENCH_KAIROS=1

const out = (s: string) => process.stdout.write(`${s}\n`);
out(`kairos-pipe benchmarks — node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}`);

const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
const unknown = only?.filter((n) => !MODULES.includes(n)) ?? [];
if (unknown.length) {
  out(`BENCH_ONLY names ${unknown.join(', ')}: not a benchmark module (${MODULES.join(', ')})`);
  process.exit(2);
}

let failed = 0;
for (const name of MODULES.filter((n) => !only?.length || only.includes(n))) {
  const file = join(HERE, `${name}.ts`);
  if (!existsSync(file)) {
    out(`\n== ${name}: skipped (bench/${name}.ts does not exist)`);
    continue;
  }
  out(`\n== ${name}`);
  const t0 = performance.now();
  try {
    const mod = (await import(pathToFileURL(file).href)) as { default?: Bench };
    if (typeof mod.default !== 'function') throw new Error(`bench/${name}.ts has no default export function`);
    await mod.default((line) => out(`[${name}] ${line}`));
    out(`[${name}] (done in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failed++;
    out(`[${name}] FAILED: ${(e as Error)?.stack ?? String(e)}`);
  }
}
if (failed) process.exitCode = 1;
