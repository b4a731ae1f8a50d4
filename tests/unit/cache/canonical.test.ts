import { canonicalJson } from '../../../src/cache/canonical.js';

describe('canonicalJson', () => {
  test('object key order does not matter, at any depth', () => {
    const a = { b: 1, a: { y: [1, { q: 1, p: 2 }], x: 'x' } };
    const b = { a: { x: 'x', y: [1, { p: 2, q: 1 }] }, b: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":{"x":"x","y":[1,{"p":2,"q":1}]},"b":1}');
  });

  test('undefined and function properties are dropped; undefined in arrays becomes null', () => {
    expect(canonicalJson({ a: undefined, b: 1, f: () => 1 })).toBe('{"b":1}');
    expect(canonicalJson({ b: 1 })).toBe(canonicalJson({ b: 1, a: undefined }));
    expect(canonicalJson([1, undefined, 2])).toBe('[1,null,2]');
  });

  test('array order is significant', () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });

  test('no whitespace; strings escaped as JSON', () => {
    expect(canonicalJson({ s: 'a "b"\n' })).toBe('{"s":"a \\"b\\"\\n"}');
  });

  test('non-finite numbers are refused rather than silently encoded as null', () => {
    expect(() => canonicalJson({ n: NaN })).toThrow(/non-finite/);
    expect(() => canonicalJson([Infinity])).toThrow(/non-finite/);
  });

  test('bigints are encoded as strings', () => {
    expect(canonicalJson({ n: 10n })).toBe('{"n":"10"}');
  });

  test('null is kept', () => {
    expect(canonicalJson({ a: null })).toBe('{"a":null}');
  });
});
