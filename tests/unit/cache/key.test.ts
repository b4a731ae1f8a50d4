import { computeKey, keyInputs, normalizedSpec } from '../../../src/cache/key.js';
import { copy, env, from, run } from '../../../src/dsl/index.js';
import type { Step } from '../../../src/dsl/steps/index.js';

const P = 'a'.repeat(64);

function key(parent: string | null, step: Step, inputs: Record<string, unknown> = {}): string {
  return computeKey(keyInputs(parent, step, inputs));
}

describe('cache keys', () => {
  test('same inputs give the same key, and a key is 64 hex chars', () => {
    const k = key(P, env('A', '1'));
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(key(P, env('A', '1'))).toBe(k);
  });

  test('the parent key changes it', () => {
    expect(key(P, env('A', '1'))).not.toBe(key('b'.repeat(64), env('A', '1')));
    expect(key(P, env('A', '1'))).not.toBe(key(null, env('A', '1')));
  });

  test('the step spec changes it', () => {
    expect(key(P, env('A', '1'))).not.toBe(key(P, env('A', '2')));
    expect(key(P, copy('a', '/x'))).not.toBe(key(P, copy('a', '/y')));
  });

  test('the inputs change it', () => {
    const s = copy('files/', '/srv/');
    expect(key(P, s, { sources: [{ files: ['file 644 sha256:1 a'] }] })).not.toBe(key(P, s, { sources: [{ files: ['file 755 sha256:1 a'] }] }));
  });

  test('the step schema version changes it', () => {
    const s = env('A', '1');
    const ki = keyInputs(P, s, {});
    expect(computeKey({ ...ki, version: ki.version + 1 })).not.toBe(computeKey(ki));
  });

  test('where the step was written (loc) does not enter the key', () => {
    const a = env('A', '1');
    const b = env('A', '1'); // another line of this file
    expect(a.loc).toBeDefined();
    expect(a.loc!.line).not.toBe(b.loc!.line);
    expect(key(P, a)).toBe(key(P, b));
    expect(normalizedSpec(a)).not.toHaveProperty('loc');
    expect(key(P, { ...a, loc: { file: '/elsewhere/x.ts', line: 99, column: 1 } })).toBe(key(P, a));
  });

  test('input key order does not matter', () => {
    expect(key(P, env('A', '1'), { a: 1, b: 2 })).toBe(key(P, env('A', '1'), { b: 2, a: 1 }));
  });

  test('noCache / cache: never run steps get a fresh key every time', () => {
    const s = run('date', { noCache: true });
    expect(key(P, s)).not.toBe(key(P, s));
    const never = run('date', { cache: 'never' });
    expect(key(P, never)).not.toBe(key(P, never));
    const normal = run('date');
    expect(key(P, normal)).toBe(key(P, normal));
  });

  test('inputs.noCache gives a fresh key too', () => {
    expect(key(P, from('scratch'), { noCache: true })).not.toBe(key(P, from('scratch'), { noCache: true }));
  });

  test('the key inputs hold no absolute host path', () => {
    const ki = keyInputs(P, copy('files/', '/srv/'), { sources: [{ files: ['file 644 sha256:1 a.txt'] }] });
    expect(JSON.stringify(ki)).not.toMatch(/\/(tmp|work|home|root)\//);
  });
});
