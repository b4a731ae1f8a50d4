// A build whose intermediate step records are gone (pruned, or never imported:
// mode=min) continues from the deepest record that holds a state, and runs only
// what it must: an output step without its record on the way stops the jump.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { TempProjects, jsonEvents, runCli, summaryOf } from '../../support/cli.js';

jest.setTimeout(120_000);
const projects = new TempProjects();
afterAll(() => projects.cleanup());

const PROJECT = {
  'package.json': '{"type":"module"}\n',
  'targets/t.ts': `import { target, from, copy, saveArtifact, env } from 'kairos-pipe';
export const t = target({ name: 't', plan: () => [
  from('scratch'),
  copy('a.txt', '/a.txt'),
  saveArtifact('/a.txt', { as: 'a.txt' }),
  copy('b.txt', '/b.txt'),
  env('STAGE', 'two'),
  copy('c.txt', '/c.txt'),
  saveArtifact('/c.txt', { as: 'c.txt' }),
] });
`,
  'targets/a.txt': 'a\n',
  'targets/b.txt': 'b\n',
  'targets/c.txt': 'c\n',
};

interface StepEv { index: number; status: string; key?: string }

async function build(dir: string): Promise<{ executed: number; steps: StepEv[] }> {
  const r = await runCli(['run', '+t', '--json', '--cache-dir', join(dir, 'cache')], { cwd: dir, env: { KAIROS_PIPE_NO_JOURNAL: '1' } });
  if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  const steps = jsonEvents(r.stdout).filter((e) => e.type === 'step' && e.status !== 'running') as unknown as StepEv[];
  return { executed: summaryOf(r.stdout).executed as number, steps };
}

/** The record file of `key` (keys/<2 chars>/<key>.json), with or without its algorithm prefix. */
async function recordFile(dir: string, key: string): Promise<string> {
  for (const k of [key, key.replace(/^sha256:/, '')]) {
    const p = join(dir, 'cache', 'keys', k.slice(0, 2), `${k}.json`);
    if (await fs.stat(p).then(() => true, () => false)) return p;
  }
  throw new Error(`no record file for ${key}`);
}

async function dropRecords(dir: string, steps: StepEv[], indexes: number[]): Promise<void> {
  for (const i of indexes) await fs.rm(await recordFile(dir, steps.find((s) => s.index === i)!.key!));
}

test('intermediate records gone: nothing runs, the outputs are the same', async () => {
  const dir = await projects.write(PROJECT);
  const first = await build(dir);
  expect(first.executed).toBe(7);
  const before = await fs.readFile(join(dir, 'build', 'c.txt'), 'utf8');
  // Keep the outputs' records (2, 6) and the last state (5); drop the rest.
  await dropRecords(dir, first.steps, [0, 1, 3, 4]);
  await fs.rm(join(dir, 'build'), { recursive: true });
  const again = await build(dir);
  expect(again.executed).toBe(0);
  expect(again.steps.map((s) => s.status)).toEqual(Array(7).fill('cached'));
  expect(again.steps.map((s) => s.key)).toEqual(first.steps.map((s) => s.key));
  expect(await fs.readFile(join(dir, 'build', 'c.txt'), 'utf8')).toBe(before);
  expect(await fs.readFile(join(dir, 'build', 'a.txt'), 'utf8')).toBe('a\n');
});

test('an output step without its record stops the jump before it; the steps from there run', async () => {
  const dir = await projects.write(PROJECT);
  const first = await build(dir);
  await dropRecords(dir, first.steps, [0, 1, 2]);
  const again = await build(dir);
  // from() and the first copy run again (the saveArtifact after them needs their state), the rest is found.
  expect(again.steps.filter((s) => s.status === 'done').map((s) => s.index)).toEqual([0, 1, 2]);
  expect(again.executed).toBe(3);
});
