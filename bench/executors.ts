// Issue 3's benchmarks, on one Debian bookworm minbase:
//  1. per-step overhead of run('true') on the oci executor (runc), on the docker executor, and of a RUN under `DOCKER_BUILDKIT=1
//     docker build`; goal oci < 150 ms;
//  2. a 10-step file (bench/build10.ts): cold build, no-op rebuild and rebuild
//     after a change to the 9th step, the whole CLI process against docker build;
//     goal: no-op at most a fifth of BuildKit's.
// Docker: $DOCKER_HOST if set, else a private dockerd started here and stopped by PID.
// BENCH_EXECUTORS=oci,docker,buildkit,build10 (the default: all) runs only some parts;
// BENCH_EXECUTORS=oci needs no Docker engine and takes well under a minute.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { loadavg as osLoad, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Dockerode from 'dockerode';
import { CacheStore } from '../src/cache/store.js';
import { run } from '../src/dsl/steps/run.js';
import type { Executor } from '../src/executors/types.js';
import { OciExecutor } from '../src/executors/oci/executor.js';
import { DockerExecutor } from '../src/executors/docker/executor.js';
import { dockerProblems, ociProblems } from '../src/executors/select.js';
import { ensureChainImage } from '../src/executors/docker/image.js';
import { debianBaseLayer } from '../tests/support/debian-base.js';
import type { FsState } from '../src/oci/types.js';
import { startDockerd, tenStepBuilds, type Dockerd } from './build10.js';

const exec = promisify(execFile);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const PARTS = new Set((process.env.BENCH_EXECUTORS ?? 'oci,docker,buildkit,build10').split(',').map((p) => p.trim()));

const loadavg = (): string => osLoad().map((x) => x.toFixed(1)).join(' ');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median wall time of run('true') on `ex`, ROUNDS steps one after the other, after one warm-up step. */
export async function perStep(ex: Executor, store: CacheStore, base: FsState): Promise<number> {
  const ctx = { store, signal: new AbortController().signal, log: () => undefined, secrets: {}, stepId: '+bench[0]' };
  await ex.run(base, run('true'), ctx); // warm: snapshots unpacked / image loaded
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    await ex.run(base, run('true'), ctx);
    times.push(performance.now() - t);
  }
  return median(times);
}

/** BuildKit per RUN step: (time of N cache-busted RUNs − time of 1) / (N − 1). */
async function buildkitPerStep(image: string): Promise<number> {
  const dir = await fs.mkdtemp(join(tmpdir(), 'kp-bench-build-'));
  const build = async (steps: number): Promise<number> => {
    const nonce = randomBytes(6).toString('hex');
    const lines = [`FROM ${image}`, ...Array.from({ length: steps }, (_, i) => `RUN true ${nonce}-${i}`)];
    await fs.writeFile(join(dir, 'Dockerfile'), `${lines.join('\n')}\n`);
    const t = performance.now();
    await exec('/usr/bin/docker', ['build', '-q', '--network', 'host', dir], { env: { ...process.env, DOCKER_BUILDKIT: '1' } });
    return performance.now() - t;
  };
  try {
    await build(1);
    const one: number[] = [];
    const ten: number[] = [];
    for (let i = 0; i < Math.max(3, Math.floor(ROUNDS / 3)); i++) {
      one.push(await build(1));
      ten.push(await build(10));
    }
    return (median(ten) - median(one)) / 9;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export default async function bench(report: (line: string) => void): Promise<void> {
  const root = await fs.mkdtemp(join(process.env.KAIROS_PIPE_BENCH_DIR ?? tmpdir(), 'kp-bench-exec-'));
  let dockerd: Dockerd | undefined;
  try {
    const wantDocker = PARTS.has('docker') || PARTS.has('buildkit') || PARTS.has('build10');
    if (wantDocker && !process.env.DOCKER_HOST && process.getuid?.() === 0) {
      dockerd = await startDockerd(root).catch((e: Error) => {
        report(`executors: could not start a private dockerd (${e.message.split('\n')[0]})`);
        return undefined;
      });
      if (dockerd) process.env.DOCKER_HOST = dockerd.host;
    }
    const store = await CacheStore.open(root);
    const base = await debianBaseLayer(store);
    const figures: Record<string, number> = {};
    const oci = await ociProblems();
    if (oci.length) report(`executors: oci skipped (${oci.join('; ')})`);
    else if (PARTS.has('oci')) figures.oci = await perStep(new OciExecutor(), store, base);
    const docker = wantDocker ? await dockerProblems() : ['not asked for (BENCH_EXECUTORS)'];
    let image: string | undefined;
    if (docker.length) report(`executors: docker skipped (${docker.join('; ')})`);
    else {
      if (PARTS.has('docker')) figures.docker = await perStep(new DockerExecutor(), store, base);
      image = await ensureChainImage(new Dockerode(), store, base.layers);
      if (PARTS.has('buildkit')) {
        figures.buildkit = await buildkitPerStep(image).catch((e: Error) => {
          report(`executors: docker build skipped (${e.message.split('\n')[0]})`);
          return NaN;
        });
      }
    }
    report(`(1) per-step overhead of run('true'), median of ${ROUNDS}, load ${loadavg()}:`);
    for (const [k, v] of Object.entries(figures)) report(`    ${k}: ${v.toFixed(0)} ms${k === 'oci' ? ` (goal < 150 ms: ${v < 150 ? 'met' : 'NOT met'})` : ''}`);
    if (figures.buildkit > 0) {
      for (const k of Object.keys(figures)) if (k !== 'buildkit') report(`    ${k} / buildkit: ${(figures[k] / figures.buildkit).toFixed(2)}`);
    }
    if (!PARTS.has('build10')) report('(2) 10-step build not asked for (BENCH_EXECUTORS)');
    else if (oci.length) report('(2) 10-step build skipped: the oci executor cannot run here');
    else await tenStepBuilds(report, { store, base, root, image });
  } finally {
    await dockerd?.stop();
    if (dockerd) delete process.env.DOCKER_HOST;
    await fs.rm(root, { recursive: true, force: true });
  }
}

// `node bin/run-ts.js bench/executors.ts` runs it alone.
if (process.argv[1]?.endsWith('bench/executors.ts')) await bench((l) => console.log(l));
