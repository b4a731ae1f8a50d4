// Full disks, on real 16 MiB tmpfs mounts. The cache's disk: the step fails with STEP_FAILED
// naming ENOSPC and a hint that says what to do (prune, or a bigger --cache-dir), no staging
// files are left, the cache still answers `cache du`, and with room again the same build
// succeeds. The output folder's disk: OUTPUT_WRITE_FAILED naming the output, the previous
// output untouched, and the rerun only writes the outputs.
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { TempProjects, jsonEvents, runCli } from '../../support/cli.js';

jest.setTimeout(120_000);
const projects = new TempProjects();
const mounts: string[] = [];
afterAll(async () => {
  for (const m of mounts) spawnSync('umount', ['-l', m]);
  await projects.cleanup();
});

/** A fresh 16 MiB tmpfs; unmounted after the tests. */
async function smallTmpfs(): Promise<string> {
  if (process.getuid?.() !== 0) throw new Error('this test mounts a tmpfs and needs root (CI runs as root)');
  const at = join(await projects.dir('kp-full-'), 'mnt');
  await fs.mkdir(at);
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', at], { encoding: 'utf8' });
  if (mount.status !== 0) throw new Error(`mount tmpfs: ${mount.stderr}`);
  mounts.push(at);
  return at;
}

/** A project whose +big copies a 24 MiB file in and saves it as an artifact. */
async function bigProject(): Promise<{ dir: string; data: Buffer }> {
  const dir = await projects.write({
    'package.json': '{"type":"module"}\n',
    'targets/t.ts': "import { target, from, copy, saveArtifact } from 'kairos-pipe';\nexport const big = target({ name: 'big', plan: () => [from('scratch'), copy('big.bin', '/big.bin'), saveArtifact('/big.bin', { as: 'big.bin' })] });\n",
  });
  const data = Buffer.alloc(24 << 20);
  for (let i = 0; i < data.length; i += 4096) data.writeUInt32LE(i + 7, i);
  await fs.writeFile(join(dir, 'targets/big.bin'), data);
  return { dir, data };
}

test('a full cache disk: STEP_FAILED with ENOSPC and a hint, nothing half-written, the cache still valid', async () => {
  const { dir } = await bigProject();
  const cache = await smallTmpfs();

  const r = await runCli(['run', '+big', '--cache-dir', cache], { cwd: dir });
  expect(r.code).toBe(1);
  // the build's error is one of its events (stdout); the summary goes with it
  const said = r.stdout + r.stderr;
  expect(said).toContain('STEP_FAILED');
  expect(said).toContain('ENOSPC');
  expect(said).toContain('kairos-pipe cache prune');
  expect(said).not.toContain('INTERNAL');
  // no staging file of the failed step is left taking the space
  expect(await fs.readdir(join(cache, 'tmp')).catch(() => [])).toEqual([]);
  expect((await runCli(['cache', 'du', '--cache-dir', cache], { cwd: dir })).code).toBe(0);

  // with room again (a remount at 64 MiB keeps the files), the same build goes through
  expect(spawnSync('mount', ['-o', 'remount,size=64m', cache]).status).toBe(0);
  const again = await runCli(['run', '+big', '--cache-dir', cache], { cwd: dir });
  expect(again.stderr).toBe('');
  expect(again.code).toBe(0);
});

test('a full output disk: OUTPUT_WRITE_FAILED naming the output, the old output kept, the rerun only writes outputs', async () => {
  const { dir, data } = await bigProject();
  const out = await smallTmpfs();
  const cache = join(await projects.dir('kp-full-cache-'), 'cache');
  await fs.writeFile(join(out, 'big.bin'), 'previous output');
  const r = await runCli(['run', '+big', '--cache-dir', cache, '--output', out], { cwd: dir });
  expect(r.code).toBe(1);
  const said = r.stdout + r.stderr;
  expect(said).toContain('OUTPUT_WRITE_FAILED');
  expect(said).toContain(join(out, 'big.bin'));
  expect(said).toContain('--output');
  expect(said).not.toContain('INTERNAL');
  expect(await fs.readdir(out)).toEqual(['big.bin']);
  expect(await fs.readFile(join(out, 'big.bin'), 'utf8')).toBe('previous output');

  expect(spawnSync('mount', ['-o', 'remount,size=64m', out]).status).toBe(0);
  const again = await runCli(['run', '+big', '--cache-dir', cache, '--output', out, '--json'], { cwd: dir });
  expect(again.code).toBe(0);
  const steps = jsonEvents(again.stdout).filter((e) => e.type === 'step' && e.status !== 'running');
  expect(steps.length).toBe(3);
  expect(steps.filter((e) => e.status !== 'cached')).toEqual([]);
  expect((await fs.readFile(join(out, 'big.bin'))).equals(data)).toBe(true);
});
