// SIGINT / SIGTERM in the middle of a build: non-zero exit, no partial output file,
// a valid cache, and a rerun that succeeds.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { TempProjects, spawnCli, runCli, summaryOf, listTree } from '../../support/cli.js';
import { verifyCacheDir } from '../cache/verify.js';

jest.setTimeout(300_000);
const projects = new TempProjects();
afterAll(async () => {
  await projects.cleanup();
});

/** A project whose one target copies a big file, so each of its steps takes a while. */
async function bigProject(mb: number): Promise<string> {
  const dir = await projects.write({
    'package.json': '{"type":"module"}',
    'targets/big.ts': [
      "import { target, from, copy, saveArtifact, saveImage, rootfs } from 'kairos-pipe';",
      '',
      'export const big = target({',
      "  name: 'big',",
      "  plan: () => [from('scratch'), copy('data/big.bin', '/big.bin'), saveArtifact('/big.bin', { as: 'big.bin' }), saveImage('big:1'), rootfs({ as: 'big-rootfs.tar' })],",
      '});',
      '',
    ].join('\n'),
  });
  await fs.mkdir(join(dir, 'targets', 'data'));
  const fh = await fs.open(join(dir, 'targets', 'data', 'big.bin'), 'w');
  const chunk = Buffer.alloc(1 << 20);
  for (let i = 0; i < mb; i++) {
    chunk.writeUInt32LE(i, 0);
    await fh.write(chunk);
  }
  await fh.close();
  return dir;
}

async function leftovers(dir: string): Promise<string[]> {
  return (await listTree(join(dir, 'build'))).filter((p) => p.includes('kairos-pipe-tmp'));
}

describe.each([
  ['SIGINT', /"kind":"copy".*"status":"running"/],
  ['SIGTERM', /"kind":"saveArtifact".*"status":"running"/],
  ['SIGINT', /"type":"output"/],
] as const)('%s while the build runs (after %s)', (sig, when) => {
  test('stops with a non-zero exit, leaves no partial output and a valid cache; a rerun succeeds', async () => {
    const dir = await bigProject(300);
    const p = spawnCli(['run', '+big', '--json'], { cwd: dir });
    await p.waitFor(when);
    p.child.kill(sig);
    const r = await p.result;
    // The signal may land after the build finished: then the CLI has exited 0, or its
    // handlers are gone and the default action ends it. Either way nothing is partial.
    const lateSignal = r.code === 0 || (r.code === null && r.signal === sig && /"type":"summary"/.test(r.stdout));
    if (!lateSignal) {
      expect(r.code).toBe(130);
      expect(r.stderr).toContain(`${sig} received`);
      expect(summaryOf(r.stdout).ok).toBe(false);
    }
    expect(await leftovers(dir)).toEqual([]);
    expect((await verifyCacheDir(join(dir, 'cache'))).problems).toEqual([]);

    const again = await runCli(['run', '+big', '--json'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(summaryOf(again.stdout).ok).toBe(true);
    expect((await fs.stat(join(dir, 'build', 'big-rootfs.tar'))).size).toBeGreaterThan(300 << 20);
    expect(await leftovers(dir)).toEqual([]);
    expect((await verifyCacheDir(join(dir, 'cache'))).problems).toEqual([]);
  });
});
