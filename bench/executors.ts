// Per-step overhead of run('true') on the oci and docker executors, against
// `DOCKER_BUILDKIT=1 docker build` of equivalent RUN steps on the same Debian
// base (loaded into the engine as an image first). Build-level figures (cold
// 10-step build, no-op and 9th-step rebuilds) are the engine bench's job.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
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

const exec = promisify(execFile);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function perStep(ex: Executor, store: CacheStore, base: FsState): Promise<number> {
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
  try {
    const store = await CacheStore.open(root);
    const base = await debianBaseLayer(store);
    const figures: Record<string, number> = {};
    const oci = await ociProblems();
    if (oci.length) report(`executors: oci skipped (${oci.join('; ')})`);
    else figures.oci = await perStep(new OciExecutor(), store, base);
    const docker = await dockerProblems();
    if (docker.length) report(`executors: docker skipped (${docker.join('; ')})`);
    else {
      const ex = new DockerExecutor();
      figures.docker = await perStep(ex, store, base);
      const image = await ensureChainImage(new Dockerode(), store, base.layers);
      figures.buildkit = await buildkitPerStep(image).catch((e: Error) => {
        report(`executors: docker build skipped (${e.message.split('\n')[0]})`);
        return NaN;
      });
    }
    for (const [k, v] of Object.entries(figures)) report(`executors: run('true') per-step overhead, ${k}: ${v.toFixed(0)} ms (median of ${ROUNDS})`);
    if (figures.buildkit > 0) {
      for (const k of ['oci', 'docker']) if (figures[k]) report(`executors: ${k} / buildkit per-step ratio: ${(figures[k] / figures.buildkit).toFixed(2)}`);
    }
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

// `node bin/run-ts.js bench/executors.ts` runs it alone.
if (process.argv[1]?.endsWith('bench/executors.ts')) await bench((l) => console.log(l));
