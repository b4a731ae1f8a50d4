// Two real `kairos-pipe run` processes building into one cache dir at the same
// time both succeed, and the cache verifies afterwards.
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { TempProjects, spawnCli, summaryOf } from '../../support/cli.js';
import { writeWideProject, wideProjectSteps } from '../../fixtures/projects/generate-wide.js';
import { verifyCacheDir } from './verify.js';

jest.setTimeout(300_000);
const projects = new TempProjects();
afterAll(async () => {
  await projects.cleanup();
});

describe('one cache dir, two processes', () => {
  test('two builds of overlapping graphs at once both succeed and leave a valid cache', async () => {
    const cache = join(await projects.dir('kp-shared-cache-'), 'cache');
    const a = join(await projects.dir('kp-wide-a-'), 'p');
    const b = join(await projects.dir('kp-wide-b-'), 'p');
    // Same 20-target graph in two folders (same keys), larger files so writes overlap.
    await writeWideProject(a, 20, { fileBytes: 2 << 20 });
    await writeWideProject(b, 20, { fileBytes: 2 << 20 });
    const args = ['run', '+all', '--json', '--cache-dir', cache];
    const p1 = spawnCli(args, { cwd: a });
    const p2 = spawnCli(args, { cwd: b });
    const [r1, r2] = await Promise.all([p1.result, p2.result]);
    for (const r of [r1, r2]) {
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      expect(summaryOf(r.stdout)).toMatchObject({ ok: true, targets: 21, executed: expect.any(Number) });
    }
    const check = await verifyCacheDir(cache);
    expect(check.problems).toEqual([]);
    expect(check.blobs).toBeGreaterThan(20);
    // and a third run over the shared cache is a full hit
    const r3 = await spawnCli(args, { cwd: a }).result;
    expect(summaryOf(r3.stdout)).toMatchObject({ ok: true, executed: 0, cached: wideProjectSteps(20) });
  });

  test('two different projects sharing one cache at once', async () => {
    const cache = join(await projects.dir('kp-shared-cache2-'), 'cache');
    const hello = await projects.copy('hello');
    const wide = join(await projects.dir('kp-wide-c-'), 'p');
    await writeWideProject(wide, 10);
    const [r1, r2] = await Promise.all([
      spawnCli(['run', '+hello', '--json', '--cache-dir', cache], { cwd: hello }).result,
      spawnCli(['run', '+all', '--json', '--cache-dir', cache], { cwd: wide }).result,
    ]);
    expect(summaryOf(r1.stdout).ok).toBe(true);
    expect(summaryOf(r2.stdout).ok).toBe(true);
    expect((await verifyCacheDir(cache)).problems).toEqual([]);
  });
});
