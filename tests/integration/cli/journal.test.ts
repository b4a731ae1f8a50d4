// The no-op journal through the real CLI: a rerun with nothing changed is
// answered without loading the engine, and every kind of change that a full
// build would notice sends the run down the full path again.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { TempProjects, jsonEvents, runCli, summaryOf, type CliResult } from '../../support/cli.js';

jest.setTimeout(180_000);
const projects = new TempProjects();
let dir: string;

/** Stamps of files changed within 2 s are not trusted (see src/cache/journal/stamp.ts). */
const settle = () => new Promise((r) => setTimeout(r, 2_100));

async function run(args: string[] = [], env: Record<string, string> = {}): Promise<{ r: CliResult; replayed: boolean; executed: number; events: ReturnType<typeof jsonEvents> }> {
  const r = await runCli(['run', '+hello', '--json', ...args], { cwd: dir, env });
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  const events = jsonEvents(r.stdout);
  const start = events.find((e) => e.type === 'start');
  return { r, replayed: start?.replayed === true, executed: summaryOf(r.stdout).executed, events };
}

/**
 * After a change: the next run takes the full path. It files the journal unless it read the
 * changed file within 2 s of the change (timing-dependent), so the run after a pause replays.
 */
async function expectFullThenReplay(args: string[] = [], env: Record<string, string> = {}): Promise<number> {
  const full = await run(args, env);
  expect(full.replayed).toBe(false);
  await settle();
  expect((await run(args, env)).executed).toBe(0);
  const again = await run(args, env);
  expect(again.replayed).toBe(true);
  expect(again.executed).toBe(0);
  return full.executed;
}

const withoutTimes = (events: ReturnType<typeof jsonEvents>) =>
  events.map((e) => {
    const { ms: _ms, wallMs: _wall, replayed: _r, ...rest } = e;
    return JSON.stringify(rest);
  }).sort(); // targets run in parallel: their events interleave differently from run to run

beforeAll(async () => {
  dir = await projects.copy('hello');
  await settle();
  expect((await run()).executed).toBeGreaterThan(0);
}, 60_000);
afterAll(async () => {
  await projects.cleanup();
});

test('a rerun with nothing changed replays the events of a full no-op run', async () => {
  const replay = await run();
  expect(replay.replayed).toBe(true);
  const full = await run([], { KAIROS_PIPE_NO_JOURNAL: '1' });
  expect(full.replayed).toBe(false);
  expect(full.executed).toBe(0);
  expect(withoutTimes(replay.events)).toEqual(withoutTimes(full.events));
  expect(summaryOf(replay.r.stdout).cached).toBeGreaterThan(5);
});

test('a changed copy() source is rebuilt, and the new bytes reach the output', async () => {
  await fs.writeFile(join(dir, 'targets', 'files', 'a.txt'), 'changed by the journal test\n');
  expect(await expectFullThenReplay()).toBeGreaterThan(0);
  expect(await fs.readFile(join(dir, 'build', 'a.txt'), 'utf8')).toBe('changed by the journal test\n');
});

test('a mode change alone (same bytes, same mtime) is noticed', async () => {
  await settle();
  await fs.chmod(join(dir, 'targets', 'files', 'a.txt'), 0o600);
  expect(await expectFullThenReplay()).toBeGreaterThan(0);
});

test('a file added to a copied folder is noticed', async () => {
  await fs.writeFile(join(dir, 'targets', 'files', 'new.txt'), 'new\n');
  expect(await expectFullThenReplay()).toBeGreaterThan(0);
});

test('an edited target module is noticed', async () => {
  const file = join(dir, 'targets', 'hello.ts');
  await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace("env('GREETING', `hello ${NAME}`)", "env('GREETING', `hi ${NAME}`)"));
  expect(await expectFullThenReplay()).toBeGreaterThan(0);
});

test('a deleted or replaced output is written again', async () => {
  const out = join(dir, 'build', 'hello-rootfs.tar');
  const before = await fs.readFile(out);
  await fs.rm(out);
  const rewrite = await run();
  expect(rewrite.replayed).toBe(false);
  expect(rewrite.executed).toBe(0);
  expect(await fs.readFile(out)).toEqual(before);
  // Writing an output changes no input: the run that rewrote it filed the journal again.
  expect((await run()).replayed).toBe(true);
  await fs.writeFile(out, 'tampered');
  expect((await run()).replayed).toBe(false);
  expect(await fs.readFile(out)).toEqual(before);
});

test('another environment, other args or --no-cache take the full path', async () => {
  expect((await run()).replayed).toBe(true);
  expect((await run([], { SOME_VAR: '1' })).replayed).toBe(false);
  expect((await run(['NAME=other'])).replayed).toBe(false);
  const noCache = await run(['--no-cache']);
  expect(noCache.replayed).toBe(false);
  expect(noCache.executed).toBeGreaterThan(0);
  expect((await run()).replayed).toBe(true);
});

test('records pruned from the cache are rebuilt, not assumed', async () => {
  expect((await run()).replayed).toBe(true);
  const prune = await runCli(['cache', 'prune', '--all'], { cwd: dir });
  expect(prune.code).toBe(0);
  const after = await run();
  expect(after.replayed).toBe(false);
  expect(after.executed).toBeGreaterThan(0);
});

test('--explain says why a run was not journaled, on stderr: the summary stays the last event', async () => {
  await fs.writeFile(join(dir, 'targets', 'files', 'a.txt'), 'changed again\n');
  const r = await runCli(['run', '+hello', '--json', '--explain'], { cwd: dir });
  expect(r.code).toBe(0);
  expect(summaryOf(r.stdout).executed).toBeGreaterThan(0);
  expect(r.stderr).toMatch(/will load and check everything again: changed less than 2 s before it was read: .*a\.txt/);
});
