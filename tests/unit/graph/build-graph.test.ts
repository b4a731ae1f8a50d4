import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGraph } from '../../../src/graph/build-graph.js';
import { target, z, from, copy, build, env, saveArtifact } from '../../../src/dsl/index.js';
import { ContextPathError, CycleError, InvalidArgError, PlanError, UnknownTargetError } from '../../../src/errors/index.js';
import { projectOf } from './helpers.js';

const base = target({
  name: 'base',
  args: z.object({ MODE: z.enum(['a', 'b']).default('a') }),
  plan: ({ MODE }) => [from('scratch'), env('MODE', MODE)],
});
const other = target({ name: 'other', plan: () => [from('scratch'), saveArtifact('/x', { as: 'x' })] });
const left = target({ name: 'left', args: z.object({ MODE: z.enum(['a', 'b']).default('a') }), plan: ({ MODE }) => [from(base, { MODE }), copy('+other/x', '/l')] });
const right = target({ name: 'right', args: z.object({ MODE: z.enum(['a', 'b']).default('a') }), plan: ({ MODE }) => [from(base, { MODE }), copy('+other/x', '/r')] });
const top = target({
  name: 'top',
  args: z.object({ NAME: z.string().default('world'), LMODE: z.enum(['a', 'b']).default('a'), RMODE: z.enum(['a', 'b']).default('a') }),
  plan: ({ LMODE, RMODE }) => [build(left, { MODE: LMODE }), build(right, { MODE: RMODE }), from('scratch')],
});
const project = projectOf([base, other, left, right, top]);

const labels = (g: Awaited<ReturnType<typeof buildGraph>>) => [...g.instances.values()].map((i) => i.label).sort();

describe('buildGraph', () => {
  test('the same target with the same args reached twice is one node', async () => {
    const g = await buildGraph(project, [{ ref: '+top', args: {} }]);
    expect(labels(g)).toEqual(['+base', '+left', '+other', '+right', '+top']);
    expect(g.graph.nodeCount()).toBe(5);
    const baseId = [...g.instances.values()].find((i) => i.label === '+base')!.id;
    expect(g.graph.predecessors(baseId)!.length).toBe(2);
  });

  test('different args are different nodes', async () => {
    const g = await buildGraph(project, [{ ref: '+top', args: { RMODE: 'b' } }]);
    expect(labels(g)).toEqual(['+base', '+base(MODE=b)', '+left', '+other', '+right(MODE=b)', '+top(RMODE=b)']);
  });

  test('edges carry their kind and step index', async () => {
    const g = await buildGraph(project, [{ ref: '+left', args: {} }]);
    const l = g.instances.get(g.roots[0])!;
    expect(l.deps.map((d) => [d.kind, d.stepIndex, g.instances.get(d.instanceId)!.label])).toEqual([
      ['from', 0, '+base'],
      ['copy', 1, '+other'],
    ]);
  });

  test('args are parsed with defaults before planning', async () => {
    const g = await buildGraph(project, [{ ref: '+base', args: {} }]);
    expect(g.instances.get(g.roots[0])!.args).toEqual({ MODE: 'a' });
  });

  test('two roots naming the same instance give one node and two roots', async () => {
    const g = await buildGraph(project, [
      { ref: '+base', args: { MODE: 'a' } },
      { ref: '+base', args: {} },
    ]);
    expect(g.instances.size).toBe(1);
    expect(g.roots).toHaveLength(2);
    expect(g.roots[0]).toBe(g.roots[1]);
  });

  test('an unknown root target suggests the nearest name', async () => {
    const e = await buildGraph(project, [{ ref: '+bsae', args: {} }]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UnknownTargetError);
    expect((e as UnknownTargetError).hint).toContain('Did you mean +base?');
  });

  test('an unknown target referenced by a step names where', async () => {
    const bad = target({ name: 'bad', plan: () => [from('+otehr')] });
    const e = await buildGraph(projectOf([other, bad]), [{ ref: '+bad', args: {} }]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UnknownTargetError);
    expect((e as Error).message).toMatch(/unknown target \+otehr \(referenced at .*build-graph\.test\.ts:\d+\)/);
    expect((e as UnknownTargetError).hint).toContain('+other');
  });

  test('an invalid enum arg lists the allowed values', async () => {
    const e = await buildGraph(project, [{ ref: '+base', args: { MODE: 'c' } }]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvalidArgError);
    expect((e as Error).message).toContain("+base: argument MODE: got 'c'");
    expect((e as InvalidArgError).hint).toContain('Allowed values: a, b.');
  });

  test('an unknown arg name suggests the nearest declared one', async () => {
    const e = await buildGraph(project, [{ ref: '+top', args: { NAM: 'x' } }]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvalidArgError);
    expect((e as Error).message).toContain('argument NAM: is not declared');
    expect((e as InvalidArgError).hint).toContain('Did you mean NAME?');
  });

  test('an arg a dependency does not declare is not passed down: only the root validates CLI args', async () => {
    // +top declares NAME; +left/+base/+other do not, and they must not fail.
    const g = await buildGraph(project, [{ ref: '+top', args: { NAME: 'kairos' } }]);
    expect(labels(g)).toEqual(['+base', '+left', '+other', '+right', '+top(NAME=kairos)']);
    // Changing an arg only +top uses leaves the dependency nodes (and so their keys) unchanged.
    const g2 = await buildGraph(project, [{ ref: '+top', args: { NAME: 'other' } }]);
    const ids = (x: typeof g) => [...x.instances.values()].filter((i) => i.target.def.name !== 'top').map((i) => i.id).sort();
    expect(ids(g2)).toEqual(ids(g));
  });

  test('a plan that throws is a PlanError naming the target', async () => {
    const boom = target({
      name: 'boom',
      plan: () => {
        throw new Error('kaboom');
      },
    });
    const e = await buildGraph(projectOf([boom]), [{ ref: '+boom', args: {} }]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PlanError);
    expect((e as Error).message).toMatch(/\+boom \(.*build-graph\.test\.ts:\d+\): plan\(\) threw: kaboom/);
  });

  test('a plan that does not return steps, or two from() steps, is a PlanError', async () => {
    const notArray = target({ name: 'na', plan: () => 'nope' as never });
    await expect(buildGraph(projectOf([notArray]), [{ ref: '+na', args: {} }])).rejects.toBeInstanceOf(PlanError);
    const twoFrom = target({ name: 'tf', plan: () => [from('scratch'), from('scratch')] });
    await expect(buildGraph(projectOf([twoFrom]), [{ ref: '+tf', args: {} }])).rejects.toThrow(/only one from\(\)/);
  });
});

describe('cycles', () => {
  const a = target({ name: 'a', plan: () => [from('+b'), env('A', '1')] });
  const b = target({ name: 'b', plan: () => [from('scratch'), copy('+a/x', '/x')] });

  test('a two-target cycle prints +a -> +b -> +a in edge order with file:line of each edge', async () => {
    const e = await buildGraph(projectOf([a, b]), [{ ref: '+a', args: {} }]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CycleError);
    expect((e as CycleError).cycle).toEqual(['+a', '+b', '+a']);
    const msg = (e as Error).message;
    expect(msg).toContain('dependency cycle: +a -> +b -> +a');
    expect(msg).toMatch(new RegExp(`\\+a -> \\+b at .*build-graph\\.test\\.ts:${a.loc!.line + 0}|\\+a -> \\+b at .*build-graph\\.test\\.ts:\\d+`));
    expect(msg).toMatch(/\+b -> \+a at .*build-graph\.test\.ts:\d+/);
  });

  test('starting from the other end prints the cycle from there', async () => {
    const e = (await buildGraph(projectOf([a, b]), [{ ref: '+b', args: {} }]).catch((x: unknown) => x)) as CycleError;
    expect(e.cycle).toEqual(['+b', '+a', '+b']);
  });

  test('a three-target cycle is printed in edge order', async () => {
    const x = target({ name: 'x', plan: () => [from('+y')] });
    const y = target({ name: 'y', plan: () => [from('+z')] });
    const z3 = target({ name: 'z', plan: () => [from('scratch'), build('+x')] });
    for (const [root, expected] of [
      ['+x', ['+x', '+y', '+z', '+x']],
      ['+y', ['+y', '+z', '+x', '+y']],
      ['+z', ['+z', '+x', '+y', '+z']],
    ] as const) {
      const e = (await buildGraph(projectOf([x, y, z3]), [{ ref: root, args: {} }]).catch((err: unknown) => err)) as CycleError;
      expect(e).toBeInstanceOf(CycleError);
      expect(e.cycle).toEqual(expected);
    }
  });

  test('a cycle inside a larger strongly connected component is a real path of edges', async () => {
    // p -> q, q -> p, q -> r, r -> q: every printed hop must be an edge.
    const p = target({ name: 'p', plan: () => [from('+q')] });
    const q = target({ name: 'q', plan: () => [from('scratch'), build('+r'), build('+p')] });
    const r = target({ name: 'r', plan: () => [from('scratch'), build('+q')] });
    const e = (await buildGraph(projectOf([p, q, r]), [{ ref: '+p', args: {} }]).catch((err: unknown) => err)) as CycleError;
    expect(e).toBeInstanceOf(CycleError);
    const edges = new Set(['+p>+q', '+q>+r', '+q>+p', '+r>+q']);
    expect(e.cycle[0]).toBe(e.cycle[e.cycle.length - 1]);
    for (let i = 0; i + 1 < e.cycle.length; i++) expect(edges).toContain(`${e.cycle[i]}>${e.cycle[i + 1]}`);
    expect(new Set(e.cycle.slice(0, -1)).size).toBe(e.cycle.length - 1);
  });

  test('a target depending on itself', async () => {
    const self = target({ name: 'self', plan: () => [from('scratch'), build('+self')] });
    const e = (await buildGraph(projectOf([self]), [{ ref: '+self', args: {} }]).catch((err: unknown) => err)) as CycleError;
    expect(e).toBeInstanceOf(CycleError);
    expect(e.cycle).toEqual(['+self', '+self']);
  });
});

describe('copy() context sources are checked while building the graph', () => {
  const { mkdtemp, writeFile, rm } = fs;
  let ctx: string;
  beforeAll(async () => {
    ctx = await mkdtemp(join(tmpdir(), 'kp-graph-ctx-'));
    await writeFile(join(ctx, 'here.txt'), 'x');
  });
  afterAll(async () => {
    await rm(ctx, { recursive: true, force: true });
  });
  function withContext(defs: ReturnType<typeof target>[]) {
    const p = projectOf(defs);
    for (const t of p.targets.values()) (t as { context: string }).context = ctx;
    return p;
  }

  test('a present file is fine', async () => {
    const ok = target({ name: 'ok', plan: () => [from('scratch'), copy('here.txt', '/')] });
    await expect(buildGraph(withContext([ok]), [{ ref: '+ok', args: {} }])).resolves.toBeDefined();
  });

  test('a missing file or a path outside the context fails before anything runs, naming file:line', async () => {
    const missing = target({ name: 'missing', plan: () => [from('scratch'), copy('nope.txt', '/')] });
    const outside = target({ name: 'outside', plan: () => [from('scratch'), copy('../etc/passwd', '/')] });
    const e1 = await buildGraph(withContext([missing]), [{ ref: '+missing', args: {} }]).catch((x: unknown) => x);
    expect(e1).toBeInstanceOf(ContextPathError);
    expect((e1 as Error).message).toMatch(/'nope.txt' \(.*build-graph\.test\.ts:\d+\) does not exist/);
    const e2 = await buildGraph(withContext([outside]), [{ ref: '+outside', args: {} }]).catch((x: unknown) => x);
    expect((e2 as Error).message).toContain('outside the build context');
  });

  test('checkContext: false skips the check', async () => {
    const missing = target({ name: 'missing', plan: () => [from('scratch'), copy('nope.txt', '/')] });
    await expect(buildGraph(withContext([missing]), [{ ref: '+missing', args: {} }], { checkContext: false })).resolves.toBeDefined();
  });
});
