// Two CI runners on one machine (two cache dirs): runner A builds and exports to a
// registry on loopback, runner B starts empty, imports and builds nothing, with
// byte-identical outputs. A one-file change exports only the new blobs; unsigned
// records are ignored when a key is set; a corrupted blob is refused.
import { jest } from '@jest/globals';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { runCli, summaryOf, TempProjects, type CliResult } from '../../support/cli.js';
import { startRegistry, type RegistryServer } from '../../support/registry-server.js';
import { startProxy, type Proxy } from '../registry/proxy.js';
import { PROJECT } from './fixture.js';

jest.setTimeout(120_000);

const temp = new TempProjects();
let registry: RegistryServer;
let proxy: Proxy;
let project: string;
let work: string;

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startProxy(registry);
  project = await temp.write(PROJECT, 'runners');
  work = await temp.dir('kp-runners-');
});

afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
  await temp.cleanup();
});

function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { cwd: project, env });
}

async function build(runner: string, extra: string[], env: Record<string, string> = {}) {
  const r = await cli(['run', '+app', '--json', '--cache-dir', join(work, runner), '--output', join(work, `out-${runner}`), ...extra], env);
  if (r.code !== 0) throw new Error(`run failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return { ...summaryOf(r.stdout), stderr: r.stderr };
}

async function importJson(runner: string, src: string, extra: string[] = [], env: Record<string, string> = {}) {
  const r = await cli(['cache', 'import', src, '--json', '--cache-dir', join(work, runner), ...extra], env);
  if (r.code !== 0) throw new Error(`import failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout.trim()) as { imported: number; records: number; untrusted: number; dropped: number; refusedBlobs: string[]; blobsFetched: number };
}

const uploads = () => proxy.log.filter((l) => l.method === 'PUT' && l.path.includes('/blobs/uploads/'));

test('runner B warms itself from runner A and builds nothing; outputs are byte-identical', async () => {
  const ref = `registry:${proxy.host}/kp/cache:main`;
  const a = await build('A', ['--cache-to', ref]);
  expect(a.executed).toBeGreaterThanOrEqual(8);
  expect(a.stderr).toMatch(/cache: exported \d+ records/);

  const b = await build('B', ['--cache-from', ref]);
  expect(b.stderr).toMatch(/cache: imported \d+ of \d+ records/);
  expect(b.executed).toBe(0);
  expect(b.cached).toBe(a.executed + a.cached);
  for (const f of ['app-rootfs.tar', 'app-v1.oci.tar']) {
    const [x, y] = await Promise.all([fs.readFile(join(work, 'out-A', f)), fs.readFile(join(work, 'out-B', f))]);
    expect(y.equals(x)).toBe(true);
  }
});

test('a runner warmed from a mode=min export jumps to each target\'s last state and builds nothing', async () => {
  const ref = `registry:${proxy.host}/kp/cache:min`;
  const a = await build('A', ['--cache-to', `${ref},mode=min`]);
  const m = await build('M', ['--cache-from', ref]);
  expect(m.stderr).toMatch(/cache: imported \d+ of \d+ records/);
  // Fewer records than steps travelled (not the intermediate states), yet nothing runs.
  const imported = Number(/imported (\d+) of/.exec(m.stderr)![1]);
  expect(imported).toBeLessThan(a.executed + a.cached);
  expect(m.executed).toBe(0);
  for (const f of ['app-rootfs.tar', 'app-v1.oci.tar']) {
    const [x, y] = await Promise.all([fs.readFile(join(work, 'out-A', f)), fs.readFile(join(work, 'out-M', f))]);
    expect(y.equals(x)).toBe(true);
  }
});

test('after a one-file change, the second export uploads only the new blobs', async () => {
  const ref = `registry:${proxy.host}/kp/cache:main`;
  const before = await manifestLayers('kp/cache', 'main');
  await fs.writeFile(join(project, 'targets/files/app.conf'), 'version=2\n');
  proxy.log.length = 0;
  const a = await build('A', ['--cache-to', ref]);
  // copy app.conf, workdir, saveImage, rootfs: the steps after the change.
  expect(a.executed).toBe(4);
  const after = await manifestLayers('kp/cache', 'main');
  const fresh = [...after.keys()].filter((d) => !before.has(d));
  // New blobs plus the new cache config; nothing of the 300 kB data layer or the other targets.
  expect(uploads()).toHaveLength(fresh.length + 1);
  expect(fresh.length).toBeLessThan(after.size / 2);
  const heads = proxy.log.filter((l) => l.method === 'HEAD' && l.path.includes('/blobs/'));
  expect(heads.length).toBe(after.size + 1);
  await fs.writeFile(join(project, 'targets/files/app.conf'), 'version=1\n');
});

test('with a key, unsigned and wrongly signed records are ignored; signed ones are imported', async () => {
  const keyFile = join(work, 'key');
  await fs.writeFile(keyFile, 'main-branch-secret\n');
  // A "PR" exports unsigned, another signs with the wrong key; main signs with the right one.
  await build('A', ['--cache-to', `registry:${proxy.host}/kp/cache:pr-unsigned`]);
  await build('A', ['--cache-to', `registry:${proxy.host}/kp/cache:pr-forged`], { KAIROS_PIPE_CACHE_KEY: 'not-the-key' });
  await build('A', ['--cache-to', `registry:${proxy.host}/kp/cache:signed`, '--cache-key-file', keyFile]);

  const unsigned = await importJson('C', `registry:${proxy.host}/kp/cache:pr-unsigned`, ['--cache-key-file', keyFile]);
  expect(unsigned.imported).toBe(0);
  expect(unsigned.untrusted).toBe(unsigned.records);
  const forged = await importJson('C', `registry:${proxy.host}/kp/cache:pr-forged`, ['--cache-key-file', keyFile]);
  expect(forged.imported).toBe(0);
  expect(forged.untrusted).toBe(forged.records);
  const signed = await importJson('C', `registry:${proxy.host}/kp/cache:signed`, [], { KAIROS_PIPE_CACHE_KEY: 'main-branch-secret' });
  expect(signed.imported).toBe(signed.records);
  const c = await build('C', []);
  expect(c.executed).toBe(0);
});

test('a corrupted blob on import is refused and its records dropped; the build still succeeds', async () => {
  const layers = await manifestLayers('kp/cache', 'main');
  const big = [...layers.entries()].sort((x, y) => y[1] - x[1])[0][0]; // the 300 kB data layer
  proxy.faults.corruptBlob = big;
  try {
    const s = await importJson('D', `registry:${proxy.host}/kp/cache:main`);
    expect(s.refusedBlobs).toEqual([big]);
    expect(s.dropped).toBeGreaterThan(0);
    expect(s.imported).toBeGreaterThan(0);
    const blobs = await fs.readdir(join(work, 'D', 'blobs', 'sha256'));
    expect(blobs).not.toContain(big.slice(7));
  } finally {
    delete proxy.faults.corruptBlob;
  }
  const d = await build('D', []);
  expect(d.executed).toBeGreaterThan(0);
});

/** The cache manifest's layers (digest → size), read from the registry directly, not through the proxy. */
async function manifestLayers(repo: string, tag: string): Promise<Map<string, number>> {
  const res = await fetch(`http://${registry.host}/v2/${repo}/manifests/${tag}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  const m = (await res.json()) as { layers: Array<{ digest: string; size: number }> };
  return new Map(m.layers.map((l) => [l.digest, l.size]));
}
