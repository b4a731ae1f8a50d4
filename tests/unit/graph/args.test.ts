import { splitCliArgs, validateArgs } from '../../../src/graph/args.js';
import { argsInfo } from '../../../src/graph/zod-introspect.js';
import { parseTargetRef } from '../../../src/graph/refs.js';
import { target, z, from } from '../../../src/dsl/index.js';
import { InvalidArgError } from '../../../src/errors/index.js';

const t = target({
  name: 'iso',
  args: z.object({
    FLAVOR: z.enum(['ubuntu', 'debian', 'alpine']).default('ubuntu'),
    SIZE: z.number().int().default(8),
    DEBUG: z.boolean().default(false),
    NAME: z.string().describe('image name'),
    TAG: z.string().optional(),
  }),
  plan: () => [from('scratch')],
});

describe('splitCliArgs', () => {
  test('NAME=value and --NAME=value are args; everything else is a ref', () => {
    expect(splitCliArgs(['+iso', 'FLAVOR=debian', '--SIZE=4', './sub+x', 'EMPTY='])).toEqual({
      refs: ['+iso', './sub+x'],
      args: { FLAVOR: 'debian', SIZE: '4', EMPTY: '' },
    });
  });
  test('a value may hold = and newlines', () => {
    expect(splitCliArgs(['A=b=c', 'B=x\ny']).args).toEqual({ A: 'b=c', B: 'x\ny' });
  });
});

describe('validateArgs', () => {
  test('coerces CLI strings to the declared type and applies defaults', () => {
    expect(validateArgs(t, { NAME: 'k', SIZE: '16', DEBUG: 'true' })).toEqual({ FLAVOR: 'ubuntu', SIZE: 16, DEBUG: true, NAME: 'k' });
  });
  test('an invalid enum value names the arg and lists allowed values', () => {
    const e = (() => {
      try {
        validateArgs(t, { NAME: 'k', FLAVOR: 'arch' });
      } catch (x) {
        return x as InvalidArgError;
      }
    })()!;
    expect(e).toBeInstanceOf(InvalidArgError);
    expect(e.code).toBe('INVALID_ARG');
    expect(e.message).toContain("+iso: argument FLAVOR: got 'arch'");
    expect(e.hint).toContain('Allowed values: ubuntu, debian, alpine.');
  });
  test('a bad number says what type is expected', () => {
    expect(() => validateArgs(t, { NAME: 'k', SIZE: 'big' })).toThrow(/argument SIZE: got 'big'/);
  });
  test('a missing required arg is reported by name', () => {
    expect(() => validateArgs(t, {})).toThrow(/argument NAME/);
  });
  test('an unknown arg suggests the nearest declared name', () => {
    try {
      validateArgs(t, { FLAVOUR: 'debian', NAME: 'k' });
      throw new Error('no error');
    } catch (e) {
      expect((e as InvalidArgError).message).toContain('argument FLAVOUR: is not declared by this target');
      expect((e as InvalidArgError).hint).toMatch(/^Did you mean FLAVOR\? \+iso takes: FLAVOR, SIZE, DEBUG, NAME, TAG\./);
    }
  });
  test('a target without args says so', () => {
    const none = target({ name: 'none', plan: () => [from('scratch')] });
    expect(() => validateArgs(none, { X: '1' })).toThrow(InvalidArgError);
    try {
      validateArgs(none, { X: '1' });
    } catch (e) {
      expect((e as InvalidArgError).hint).toBe('+none takes no arguments.');
    }
  });
});

describe('argsInfo (for ls)', () => {
  test('type, default, allowed values, optional, description', () => {
    expect(argsInfo(t.args)).toEqual([
      { name: 'FLAVOR', type: 'enum', optional: true, default: 'ubuntu', values: ['ubuntu', 'debian', 'alpine'], description: undefined },
      { name: 'SIZE', type: 'number', optional: true, default: 8, description: undefined },
      { name: 'DEBUG', type: 'boolean', optional: true, default: false, description: undefined },
      { name: 'NAME', type: 'string', optional: false, description: 'image name' },
      { name: 'TAG', type: 'string', optional: true, description: undefined },
    ]);
  });
});

describe('parseTargetRef', () => {
  test.each([
    ['+iso', { kind: 'local', dir: '.', name: 'iso' }],
    ['./sub+x', { kind: 'local', dir: './sub', name: 'x' }],
    ['../up/dir+y', { kind: 'local', dir: '../up/dir', name: 'y' }],
    ['github.com/kairos-io/kairos@v3+iso', { kind: 'remote', repo: 'github.com/kairos-io/kairos', ref: 'v3', name: 'iso' }],
    ['github.com/kairos-io/kairos+iso', { kind: 'remote', repo: 'github.com/kairos-io/kairos', name: 'iso' }],
  ])('%s', (ref, expected) => {
    expect(parseTargetRef(ref)).toEqual(expected);
  });
  test.each([['iso'], ['+'], ['+-bad']])('%s is not a ref', (ref) => {
    expect(parseTargetRef(ref)).toBeUndefined();
  });
});
