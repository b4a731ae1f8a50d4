// Cache-warmed runners: a target tree of copy steps (BENCH_CACHE_MB of incompressible
// data over 8 targets, default 64) built by runner A and exported to a loopback
// docker-registry; runner B starts empty, imports (--cache-from) and builds nothing.
// Then one small file (the last layer of the image) changes: an export after it vs a
// full export to an empty repository.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, summaryOf } from '../tests/support/cli.js';
import { startRegistry } from '../tests/support/registry-server.js';

const TARGETS = 8;

function project(dir: string, mb: number): void {
  mkdirSync(join(dir, 'targets', 'files'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  const per = Math.max(1, Math.round((mb * 2 ** 20) / TARGETS));
  const names: string[] = [];
  for (let i = 0; i < TARGETS; i++) {
    writeFileSync(join(dir, 'targets', 'files', `data${i}.bin`), randomBytes(per));
    writeFileSync(join(dir, 'targets', `t${i}.ts`), `import { target, from, copy, saveArtifact } from 'kairos-pipe';
export const t${i} = target({ name: 't${i}', plan: () => [from('scratch'), copy('files/data${i}.bin', '/data/'), saveArtifact('/data/data${i}.bin', { as: 'data${i}.bin', local: false })] });
`);
    names.push(`t${i}`);
  }
  writeFileSync(join(dir, 'targets', 'files', 'small.conf'), 'v=1\n');
  writeFileSync(join(dir, 'targets', 'all.ts'), `import { target, from, copy, saveImage } from 'kairos-pipe';
export const all = target({ name: 'all', plan: () => [from('scratch'), ${names.map((n) => `copy('+${n}/data${n.slice(1)}.bin', '/all/')`).join(', ')}, copy('files/small.conf', '/etc/small.conf'), saveImage('bench/all:v1')] });
`);
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

export default async function bench(report: (line: string) => void): Promise<void> {
  const mb = Number(process.env.BENCH_CACHE_MB ?? 64);
  const work = mkdtempSync(join(tmpdir(), 'kp-bench-cache-'));
  const registry = await startRegistry();
  try {
    const dir = join(work, 'p');
    project(dir, mb);
    const ref = `registry:${registry.host}/bench/cache:main`;
    const cli = async (args: string[]) => {
      const r = await runCli(args, { cwd: dir, timeoutMs: 600_000 });
      if (r.code !== 0) throw new Error(`kairos-pipe ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
      return r;
    };
    const run = (runner: string, extra: string[] = []) => cli(['run', '+all', '--json', '--cache-dir', join(work, runner), '--output', join(work, `out-${runner}`), ...extra]);

    const cold = await timed(() => run('A'));
    const full = await timed(() => cli(['cache', 'export', ref, '--json', '--cache-dir', join(work, 'A')]));
    const warm = await timed(() => run('B', ['--cache-from', ref]));
    const sA = summaryOf(cold.value.stdout);
    const sB = summaryOf(warm.value.stdout);
    report(`${mb} MiB over ${TARGETS + 1} targets, ${sA.executed} steps`);
    report(`cold runner build:            ${(cold.ms / 1000).toFixed(2)} s (${sA.executed} executed)`);
    report(`warm runner import + build:   ${(warm.ms / 1000).toFixed(2)} s (${sB.executed} executed, ${sB.cached} cached)`);

    writeFileSync(join(dir, 'targets', 'files', 'small.conf'), 'v=2\n');
    await run('A');
    const inc = await timed(() => cli(['cache', 'export', ref, '--json', '--cache-dir', join(work, 'A')]));
    const fullStats = JSON.parse(full.value.stdout) as { uploaded: number; bytesUploaded: number };
    const incStats = JSON.parse(inc.value.stdout) as { uploaded: number; bytesUploaded: number };
    const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
    report(`full export (empty registry): ${(full.ms / 1000).toFixed(2)} s, ${fullStats.uploaded} blobs, ${mib(fullStats.bytesUploaded)} sent`);
    report(`export after one-step change: ${(inc.ms / 1000).toFixed(2)} s, ${incStats.uploaded} blobs, ${mib(incStats.bytesUploaded)} sent`);
  } finally {
    await registry.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
