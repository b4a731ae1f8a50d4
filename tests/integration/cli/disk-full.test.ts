// A build whose cache disk fills up: the step fails with STEP_FAILED naming ENOSPC and a hint
// that says what to do (prune, or a bigger --cache-dir), no staging files are left in the
// cache, and the cache still answers `cache du`; with room again, the same build succeeds.
// The cache is a real 16 MiB tmpfs.
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { TempProjects, runCli } from '../../support/cli.js';

jest.setTimeout(120_000);
const projects = new TempProjects();
const mounts: string[] = [];
afterAll(async () => {
  for (const m of mounts) spawnSync('umount', ['-l', m]);
  await projects.cleanup();
});

test('a full cache disk: STEP_FAILED with ENOSPC and a hint, nothing half-written, the cache still valid', async () => {
  if (process.getuid?.() !== 0) throw new Error('this test mounts a tmpfs and needs root (CI runs as root)');
  const dir = await projects.write({
    'package.json': '{"type":"module"}\n',
    'targets/t.ts': "import { target, from, copy } from 'kairos-pipe';\nexport const big = target({ name: 'big', plan: () => [from('scratch'), copy('big.bin', '/big.bin')] });\n",
  });
  const data = Buffer.alloc(24 << 20);
  for (let i = 0; i < data.length; i += 4096) data.writeUInt32LE(i + 7, i);
  await fs.writeFile(join(dir, 'targets/big.bin'), data);
  const cache = join(await projects.dir('kp-full-cache-'), 'mnt');
  await fs.mkdir(cache);
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', cache], { encoding: 'utf8' });
  if (mount.status !== 0) throw new Error(`mount tmpfs: ${mount.stderr}`);
  mounts.push(cache);

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
