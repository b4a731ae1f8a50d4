// Each kind of bad input: a clear error naming the file/target/arg, a non-zero
// exit (2 for bad input), and nothing written to the cache.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { TempProjects, runCli, listTree, summaryOf, type CliResult } from '../../support/cli.js';

jest.setTimeout(120_000);
const projects = new TempProjects();
afterAll(async () => {
  await projects.cleanup();
});

/** Cache entries a failed run must not have created (the cache dir may exist, empty). */
async function cacheWrites(dir: string): Promise<string[]> {
  return (await listTree(join(dir, 'cache'))).filter((p) => /^(keys|blobs\/sha256|positions)\/./.test(p));
}

async function runIn(fixture: string, args: string[]): Promise<{ r: CliResult; dir: string }> {
  const dir = await projects.copy(fixture);
  return { r: await runCli(args, { cwd: dir }), dir };
}

describe('bad input', () => {
  test('a syntax error in a target module names file:line', async () => {
    const { r, dir } = await runIn('bad-syntax', ['run', '+ok']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error [TARGET_LOAD_FAILED]: cannot load targets/broken.ts');
    expect(r.stderr).toMatch(/broken\.ts:6:\d+: (ERROR: )?Unexpected ","/);
    expect(await cacheWrites(dir)).toEqual([]);
  });

  test('a run-time type error in plan() names the target and file:line', async () => {
    const { r, dir } = await runIn('type-error', ['run', '+crash']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error \[INVALID_PLAN\]: \+crash \(targets\/crash\.ts:6\): plan\(\) threw: helpers\.upper is not a function/);
    expect(await cacheWrites(dir)).toEqual([]);
  });

  test('a run-time error while importing a module names file:line', async () => {
    const dir = await projects.write({
      'package.json': '{"type":"module"}',
      'targets/t.ts': "import { target, from } from 'kairos-pipe';\n\nconst cfg = (globalThis as unknown as { nope: () => string }).nope();\nexport const t = target({ name: 't', doc: cfg, plan: () => [from('scratch')] });\n",
    });
    const r = await runCli(['run', '+t'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot load targets\/t\.ts: .*nope is not a function \(at .*t\.ts:3\)/);
  });

  test('an unknown target on the command line suggests the nearest name', async () => {
    const { r, dir } = await runIn('hello', ['run', '+helo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error [UNKNOWN_TARGET]: unknown target +helo');
    expect(r.stderr).toContain('Did you mean +hello?');
    expect(await cacheWrites(dir)).toEqual([]);
  });

  test('an unknown target referenced by a step names where and suggests', async () => {
    const { r, dir } = await runIn('unknown-ref', ['run', '+main']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown target +bsae (referenced at targets/main.ts:7)');
    expect(r.stderr).toContain('Did you mean +base?');
    expect(await cacheWrites(dir)).toEqual([]);
  });

  test('an invalid arg value shows the allowed values', async () => {
    const { r, dir } = await runIn('hello', ['run', '+hello', 'MODE=c']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error [INVALID_ARG]: +hello: argument MODE: got 'c'");
    expect(r.stderr).toContain('Allowed values: a, b.');
    expect(await cacheWrites(dir)).toEqual([]);
  });

  test('an unknown arg suggests the nearest declared one', async () => {
    const { r, dir } = await runIn('hello', ['run', '+hello', '--NAM=x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('argument NAM: is not declared by this target');
    expect(r.stderr).toContain('Did you mean NAME? +hello takes: NAME, MODE.');
    expect(await cacheWrites(dir)).toEqual([]);
  });

  test('a cycle prints +a -> +b -> +a with file:line of each edge', async () => {
    const { r, dir } = await runIn('cycle', ['run', '+a']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error [DEPENDENCY_CYCLE]: dependency cycle: +a -> +b -> +a');
    expect(r.stderr).toContain('+a -> +b at targets/a.ts:5');
    expect(r.stderr).toContain('+b -> +a at targets/b.ts:5');
    expect(await cacheWrites(dir)).toEqual([]);
  });

  test('two targets with one name name both files', async () => {
    const { r, dir } = await runIn('duplicate', ['ls']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error \[DUPLICATE_TARGET\]: two targets are named \+dup: .*targets\/one\.ts and .*targets\/two\.ts/);
    expect(await cacheWrites(dir)).toEqual([]);
  });

  test.each([
    ['dotdot', "copy source '../secret.txt' (targets/escape.ts:6) is outside the build context"],
    ['symlink', "copy source 'up/secret.txt' (targets/escape.ts:12) is outside the build context"],
  ])('copy outside the context (%s) fails before anything is cached', async (t, message) => {
    const { r, dir } = await runIn('copy-outside', ['run', `+${t}`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toContain(message);
    expect(await cacheWrites(dir)).toEqual([]);
  });

  test('a missing file fails before anything is cached', async () => {
    const { r, dir } = await runIn('missing-file', ['run', '+missing']);
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toContain("copy source 'nope.txt' (targets/missing.ts:5) does not exist in the build context");
    expect(await cacheWrites(dir)).toEqual([]);
  });

  // Bad input, so exit 2 like the other cases: needs 'CONTEXT_PATH' in exitCodeOf's list (src/cli/io.ts).
  test('a path outside the context exits 2 (bad input)', async () => {
    const { r } = await runIn('copy-outside', ['run', '+dotdot']);
    expect(r.code).toBe(2);
  });

  test('an output path that is not a writable folder is reported and the exit is non-zero', async () => {
    const dir = await projects.copy('hello');
    await fs.writeFile(join(dir, 'not-a-dir'), 'x');
    const r = await runCli(['run', '+other', '--output', 'not-a-dir'], { cwd: dir });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/error \[OUTPUT_NOT_WRITABLE\]: output folder .*not-a-dir is not writable/);
  });

  // The output folder is checked only after the build, so the steps were already cached:
  // runBuild (src/scheduler/build.ts) should check it first (see the report for the fix).
  test('an output path that is not writable writes nothing to the cache', async () => {
    const dir = await projects.copy('hello');
    await fs.writeFile(join(dir, 'not-a-dir'), 'x');
    await runCli(['run', '+other', '--output', 'not-a-dir'], { cwd: dir });
    expect(await cacheWrites(dir)).toEqual([]);
  });

  test('no target given is a usage error', async () => {
    const dir = await projects.copy('hello');
    const r = await runCli(['run', 'NAME=x'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no target given');
  });
});

test('steps a target executed before it failed are counted in the summary', async () => {
  const dir = await projects.write({
    'targets/t.ts': "import { target, from, copy, saveArtifact } from 'kairos-pipe';\nexport const t = target({ name: 't', plan: () => [from('scratch'), copy('a.txt', '/a'), saveArtifact('/nope', { as: 'x' })] });\n",
    'targets/a.txt': 'a\n',
  });
  const r = await runCli(['run', '+t', '--json'], { cwd: dir });
  expect(r.code).not.toBe(0);
  expect(summaryOf(r.stdout)).toMatchObject({ ok: false, executed: 2, failed: ['+t'] });
});
