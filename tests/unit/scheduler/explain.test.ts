import { explainMiss } from '../../../src/scheduler/explain.js';
import type { KeyInputs } from '../../../src/cache/key.js';
import type { StepRecord } from '../../../src/cache/records.js';

const P1 = '1'.repeat(64);
const P2 = '2'.repeat(64);

function ki(over: Partial<KeyInputs> = {}): KeyInputs {
  return {
    parent: P1,
    step: { kind: 'copy', sources: [{ type: 'context', path: 'files/' }], dest: '/srv/' },
    version: 1,
    inputs: { sources: [{ files: ['file 644 sha256:aa a.txt', 'directory 755  sub', 'file 644 sha256:bb sub/b.txt'] }] },
    ...over,
  };
}

function rec(inputs: KeyInputs): StepRecord {
  return { key: 'k', kind: 'copy', position: 'targets/x.ts#x#1', inputs: inputs as unknown as Record<string, unknown>, created: '' };
}

describe('explainMiss', () => {
  test('no earlier record, or --no-cache', () => {
    expect(explainMiss(ki(), undefined, false)).toEqual(['no earlier build of this step in this cache']);
    expect(explainMiss(ki(), rec(ki()), true)).toEqual(['--no-cache was given']);
  });

  test('a changed, an added and a removed file, by path', () => {
    const now = ki({ inputs: { sources: [{ files: ['file 644 sha256:a2 a.txt', 'file 644 sha256:cc new file.txt', 'directory 755  sub'] }] } });
    expect(explainMiss(now, rec(ki()), false)).toEqual(['file files/a.txt changed', 'file files/new file.txt added', 'file files/sub/b.txt removed']);
  });

  test('a single-file source is named by its path', () => {
    const one = (d: string) => ki({ step: { kind: 'copy', sources: [{ type: 'context', path: './other-out.txt' }], dest: '/out/' }, inputs: { sources: [{ files: [`file 644 ${d} `] }] } });
    expect(explainMiss(one('sha256:02'), rec(one('sha256:01')), false)).toEqual(['file other-out.txt changed']);
  });

  test('a mode-only change is a changed file', () => {
    const now = ki({ inputs: { sources: [{ files: ['file 755 sha256:aa a.txt', 'directory 755  sub', 'file 644 sha256:bb sub/b.txt'] }] } });
    expect(explainMiss(now, rec(ki()), false)).toEqual(['file files/a.txt changed']);
  });

  test('an arg that changed the step spec names the field and both values', () => {
    const before = ki({ step: { kind: 'config', set: { env: { GREETING: 'hello world' } } }, inputs: {} });
    const now = ki({ step: { kind: 'config', set: { env: { GREETING: 'hello kairos' } } }, inputs: {} });
    expect(explainMiss(now, rec(before), false)).toEqual(['set.env.GREETING: hello world -> hello kairos']);
  });

  test('a changed parent step', () => {
    expect(explainMiss(ki({ parent: P2 }), rec(ki()), false)).toEqual(['the previous step changed (parent key differs)']);
  });

  test('a changed artifact of another target', () => {
    const a = ki({ inputs: { sources: [{ artifact: `sha256:${'a'.repeat(64)}`, kind: 'file' }] } });
    const b = ki({ inputs: { sources: [{ artifact: `sha256:${'b'.repeat(64)}`, kind: 'file' }] } });
    const out = explainMiss(b, rec(a), false);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^input 0\.artifact: sha256:a+.* -> sha256:b+/);
  });

  test('a changed base (from +target) input', () => {
    const out = explainMiss(ki({ step: { kind: 'from' }, inputs: { base: P2 } }), rec(ki({ step: { kind: 'from' }, inputs: { base: P1 } })), false);
    expect(out).toEqual([`the target it starts from (from) changed (${P1} -> ${P2})`]);
  });

  test('a new step implementation version', () => {
    expect(explainMiss(ki({ version: 2 }), rec(ki()), false)).toEqual(['step implementation changed (v1 -> v2)']);
  });

  test('noCache steps say so', () => {
    expect(explainMiss(ki({ inputs: { ...ki().inputs, nonce: 'abc' } }), rec(ki()), false)).toContain('the step is marked noCache / cache: never');
  });

  test('same inputs: the result was pruned or corrupt', () => {
    expect(explainMiss(ki(), rec(ki()), false)).toEqual(['same inputs as the last build, but its result is no longer in the cache (pruned or corrupt)']);
  });
});
