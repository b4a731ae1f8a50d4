// Registry pull benchmark: a ~100 MB image (incompressible data in four gzip layers)
// pushed by skopeo to a loopback docker-registry, then pulled by us into an empty
// store (download + verify + decompress + store uncompressed) vs `skopeo copy` into an
// empty OCI dir (download + verify, layers kept compressed). BENCH_REGISTRY_MB resizes it.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CacheStore } from '../src/cache/store.js';
import { pullImage } from '../src/oci/registry/index.js';
import { startRegistry } from '../tests/support/registry-server.js';
import { buildOciLayout, randomFiles } from '../tests/integration/registry/oci-fixture.js';

const run = promisify(execFile);
const HERE = fileURLToPath(import.meta.url);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export default async function bench(report: (line: string) => void): Promise<void> {
  const totalMb = Number(process.env.BENCH_REGISTRY_MB ?? 100);
  const layers = 4;
  const work = mkdtempSync(join(tmpdir(), 'kp-bench-registry-'));
  const registry = await startRegistry();
  try {
    const perLayer = Math.floor((totalMb << 20) / layers);
    const src = join(work, 'src');
    await buildOciLayout(src, 'v1', [{ layers: Array.from({ length: layers }, () => ({ files: randomFiles(4, Math.floor(perLayer / 4)) })) }]);
    const ref = `${registry.host}/bench/image:v1`;
    await run('skopeo', ['--insecure-policy', 'copy', '-q', '--dest-tls-verify=false', `oci:${src}:v1`, `docker://${ref}`]);
    report(`registry: pushed a ${totalMb} MB image (${layers} gzip layers of random data) to ${registry.host} with skopeo`);

    const rounds = 3;
    const ours: number[] = [];
    const theirs: number[] = [];
    const decompressing: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const storeDir = join(work, `store-${i}`);
      const store = await CacheStore.open(storeDir);
      ours.push(await timed(() => pullImage(ref, store)));
      rmSync(storeDir, { recursive: true, force: true });
      const ociDir = join(work, `oci-${i}`);
      theirs.push(await timed(() => run('skopeo', ['--insecure-policy', 'copy', '-q', '--src-tls-verify=false', `docker://${ref}`, `oci:${ociDir}:v1`])));
      rmSync(ociDir, { recursive: true, force: true });
      // The same work as ours (layers decompressed on the way in), for a like-for-like figure.
      const dirDir = join(work, `dir-${i}`);
      decompressing.push(await timed(() => run('skopeo', ['--insecure-policy', 'copy', '-q', '--src-tls-verify=false', '--dest-decompress', `docker://${ref}`, `dir:${dirDir}`])));
      rmSync(dirDir, { recursive: true, force: true });
    }
    const best = (xs: number[]) => Math.min(...xs);
    const mbps = (ms: number) => ((totalMb / ms) * 1000).toFixed(0);
    report(`registry: kairos-pipe pull into an empty store: ${best(ours).toFixed(0)} ms (${mbps(best(ours))} MB/s; best of ${rounds}: ${ours.map((x) => x.toFixed(0)).join(', ')})`);
    report(`registry: skopeo copy into an empty OCI dir:   ${best(theirs).toFixed(0)} ms (${mbps(best(theirs))} MB/s; best of ${rounds}: ${theirs.map((x) => x.toFixed(0)).join(', ')})`);
    report(`registry: skopeo copy --dest-decompress to dir: ${best(decompressing).toFixed(0)} ms (${mbps(best(decompressing))} MB/s; best of ${rounds}: ${decompressing.map((x) => x.toFixed(0)).join(', ')})`);
    report(`registry: ratio ours/skopeo-oci = ${(best(ours) / best(theirs)).toFixed(2)} (below 1 is faster; ours also decompresses and stores uncompressed)`);
    report(`registry: ratio ours/skopeo-dir-decompress = ${(best(ours) / best(decompressing)).toFixed(2)} (same work on both sides)`);

    const warm = await CacheStore.open(join(work, 'warm'));
    await pullImage(ref, warm);
    report(`registry: kairos-pipe pull again into the same store (no blob GETs): ${(await timed(() => pullImage(ref, warm))).toFixed(0)} ms`);
  } finally {
    await registry.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === HERE) {
  await bench((l) => console.log(l));
}
