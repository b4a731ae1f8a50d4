import { runDag, type DagNode } from '../../../src/scheduler/dag-runner.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

/** A job that records start/end order and can be held open until released. */
function recorder() {
  const started: string[] = [];
  const finished: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const run = async (id: string, _signal: AbortSignal) => {
    started.push(id);
    running++;
    maxRunning = Math.max(maxRunning, running);
    await tick();
    await tick();
    running--;
    finished.push(id);
    return id.toUpperCase();
  };
  return { run, started, finished, max: () => maxRunning };
}

/** Diamond: d depends on b and c, which depend on a; e is independent. */
const diamond: DagNode[] = [
  { id: 'd', deps: ['b', 'c'] },
  { id: 'b', deps: ['a'] },
  { id: 'c', deps: ['a'] },
  { id: 'a', deps: [] },
  { id: 'e', deps: [] },
];

describe('runDag', () => {
  test('dependencies finish before their dependents start; results keep input order', async () => {
    const r = recorder();
    const out = await runDag(diamond, { concurrency: 4, run: r.run });
    for (const n of diamond) for (const d of n.deps) expect(r.finished.indexOf(d)).toBeLessThan(r.finished.indexOf(n.id));
    expect(r.finished[r.finished.length - 1] === 'd' || r.finished[r.finished.length - 1] === 'e').toBe(true);
    expect([...out.keys()]).toEqual(['d', 'b', 'c', 'a', 'e']);
    expect(out.get('d')).toEqual({ status: 'ok', value: 'D' });
  });

  test('a node starts only after every dependency finished (checked at start time)', async () => {
    const done = new Set<string>();
    const byId = new Map(diamond.map((n) => [n.id, n]));
    const violations: string[] = [];
    await runDag(diamond, {
      concurrency: 3,
      run: async (id) => {
        for (const d of byId.get(id)!.deps) if (!done.has(d)) violations.push(`${id} started before ${d}`);
        await tick();
        done.add(id);
        return id;
      },
    });
    expect(violations).toEqual([]);
    expect(done.size).toBe(5);
  });

  test.each([1, 2, 3])('never runs more than concurrency=%i jobs at once', async (c) => {
    const nodes: DagNode[] = Array.from({ length: 12 }, (_, i) => ({ id: `n${i}`, deps: i >= 6 ? [`n${i - 6}`] : [] }));
    const r = recorder();
    await runDag(nodes, { concurrency: c, run: r.run });
    expect(r.max()).toBe(c);
    expect(r.finished).toHaveLength(12);
  });

  test('each node runs once however many dependents reach it', async () => {
    const counts = new Map<string, number>();
    const nodes: DagNode[] = [{ id: 'shared', deps: [] }, ...Array.from({ length: 10 }, (_, i) => ({ id: `u${i}`, deps: ['shared'] }))];
    await runDag(nodes, {
      concurrency: 8,
      run: async (id) => {
        counts.set(id, (counts.get(id) ?? 0) + 1);
        await tick();
      },
    });
    expect(counts.get('shared')).toBe(1);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    expect(counts.size).toBe(11);
  });

  test('without keepGoing, the first failure cancels the rest', async () => {
    const started: string[] = [];
    const aborted: string[] = [];
    const nodes: DagNode[] = [
      { id: 'bad', deps: [] },
      { id: 'slow', deps: [] },
      { id: 'after', deps: ['slow'] },
      { id: 'dep', deps: ['bad'] },
    ];
    const out = await runDag(nodes, {
      concurrency: 2,
      run: (id, signal) => {
        started.push(id);
        if (id === 'bad') return Promise.reject(new Error('boom'));
        return new Promise((res, rej) => {
          const t = setTimeout(() => res(id), 5_000);
          signal.addEventListener('abort', () => {
            clearTimeout(t);
            aborted.push(id);
            rej(signal.reason);
          });
        });
      },
    });
    expect(out.get('bad')).toMatchObject({ status: 'failed', error: new Error('boom') });
    expect(out.get('slow')!.status).toBe('skipped');
    expect(out.get('after')!.status).toBe('skipped');
    expect(out.get('dep')!.status).toBe('skipped');
    expect(aborted).toEqual(['slow']);
    expect(started).not.toContain('after');
    expect(started).not.toContain('dep');
  });

  test('with keepGoing, dependents of a failure are skipped while independent nodes finish', async () => {
    const nodes: DagNode[] = [
      { id: 'bad', deps: [] },
      { id: 'child', deps: ['bad'] },
      { id: 'grandchild', deps: ['child'] },
      { id: 'ok1', deps: [] },
      { id: 'ok2', deps: ['ok1'] },
    ];
    const ran: string[] = [];
    const out = await runDag(nodes, {
      concurrency: 1,
      keepGoing: true,
      run: async (id) => {
        ran.push(id);
        await tick();
        if (id === 'bad') throw new Error('boom');
        return id;
      },
    });
    expect(out.get('bad')!.status).toBe('failed');
    expect(out.get('child')).toEqual({ status: 'skipped', reason: 'dependency bad did not succeed' });
    expect(out.get('grandchild')!.status).toBe('skipped');
    expect(out.get('ok1')).toEqual({ status: 'ok', value: 'ok1' });
    expect(out.get('ok2')).toEqual({ status: 'ok', value: 'ok2' });
    expect(ran.sort()).toEqual(['bad', 'ok1', 'ok2']);
  });

  test('an abort signal cancels running jobs and skips queued ones', async () => {
    const ac = new AbortController();
    const seen: string[] = [];
    const nodes: DagNode[] = Array.from({ length: 6 }, (_, i) => ({ id: `j${i}`, deps: [] }));
    const p = runDag(nodes, {
      concurrency: 2,
      signal: ac.signal,
      run: (id, signal) =>
        new Promise((res, rej) => {
          seen.push(id);
          if (seen.length === 2) setImmediate(() => ac.abort(new Error('Ctrl-C')));
          const t = setTimeout(() => res(id), 10_000);
          signal.addEventListener('abort', () => {
            clearTimeout(t);
            rej(signal.reason);
          });
        }),
    });
    const out = await p;
    expect(seen).toEqual(['j0', 'j1']);
    for (const o of out.values()) expect(o.status).toBe('skipped');
    expect(out.get('j0')).toEqual({ status: 'skipped', reason: 'cancelled' });
  });

  test('on abort, runDag returns only after the running jobs have stopped', async () => {
    const ac = new AbortController();
    const log: string[] = [];
    const nodes: DagNode[] = [{ id: 'slow', deps: [] }, { id: 'queued', deps: [] }];
    const p = runDag(nodes, {
      concurrency: 1,
      signal: ac.signal,
      run: (id, signal) =>
        new Promise((_res, rej) => {
          log.push(`start ${id}`);
          setImmediate(() => ac.abort(new Error('Ctrl-C')));
          signal.addEventListener('abort', () => {
            // cleaning up takes a while after the abort
            setTimeout(() => {
              log.push(`stopped ${id}`);
              rej(signal.reason);
            }, 50);
          });
        }),
    });
    const out = await p;
    log.push('runDag returned');
    expect(log).toEqual(['start slow', 'stopped slow', 'runDag returned']);
    expect(out.get('slow')).toEqual({ status: 'skipped', reason: 'cancelled' });
    expect(out.get('queued')).toEqual({ status: 'skipped', reason: 'cancelled' });
  });

  test('an already-aborted signal runs nothing', async () => {
    const ac = new AbortController();
    ac.abort();
    let calls = 0;
    const out = await runDag(diamond, { concurrency: 2, signal: ac.signal, run: async () => ++calls });
    expect(calls).toBe(0);
    expect([...out.values()].every((o) => o.status === 'skipped')).toBe(true);
  });

  test('a dependency on an unknown node skips the dependent instead of hanging', async () => {
    const out = await runDag([{ id: 'x', deps: ['ghost'] }], { concurrency: 1, run: async () => 1 });
    expect(out.get('x')!.status).toBe('skipped');
  });

  test('an empty graph', async () => {
    expect((await runDag([], { concurrency: 1, run: async () => 1 })).size).toBe(0);
  });
});
