// Docker's word rules: quotes, escapes and ${} substitution with modifiers.
import { expandWord, expandWords, splitRawWords, SubstitutionError } from '../../../src/dockerfile/lex.js';
import { joinContinuations } from '../../../src/dockerfile/parse.js';

const vars = new Map([
  ['A', 'alpha'],
  ['EMPTY', ''],
  ['SP', 'two words'],
  ['V', '24.04.1'],
]);

test.each([
  ['$A', 'alpha'],
  ['${A}-x', 'alpha-x'],
  ['$UNSET.', '.'],
  ['$', '$'],
  ['a$-b', 'a$-b'],
  ['${UNSET:-def}', 'def'],
  ['${EMPTY:-def}', 'def'],
  ['${EMPTY-def}', ''],
  ['${UNSET-def}', 'def'],
  ['${A:-def}', 'alpha'],
  ['${A:+set}', 'set'],
  ['${EMPTY:+set}', ''],
  ['${EMPTY+set}', 'set'],
  ['${UNSET+set}', ''],
  ['${UNSET:-${A}}', 'alpha'],
  ['${V%.*}', '24.04'],
  ['${V%%.*}', '24'],
  ['${V#*.}', '04.1'],
  ['${V##*.}', '1'],
  ['${V/./-}', '24-04.1'],
  ['${V//./-}', '24-04-1'],
  ["'$A'", '$A'],
  ['"$A b"', 'alpha b'],
  ['"\\$A"', '$A'],
  ['"a\\nb"', 'a\\nb'],
  ['a\\ b', 'a b'],
  ['\\$A', '$A'],
  ['x"y"z', 'xyz'],
])('expandWord(%s) = %s', (input, out) => {
  expect(expandWord(input, vars)).toBe(out);
});

test('a custom escape character', () => {
  expect(expandWord('C:\\dir `$A', vars, '`')).toBe('C:\\dir $A');
});

test('expandWords splits on unquoted whitespace, including inside an unquoted expansion', () => {
  expect(expandWords('a "b c" $SP "$SP" \'\'', vars)).toEqual(['a', 'b c', 'two', 'words', 'two words', '']);
});

test.each([
  ['${UNSET:?needed}', 'UNSET: needed'],
  ['${UNSET?}', 'UNSET: is not allowed to be unset'],
  ['${A', "missing '}'"],
  ['${}', 'bad substitution'],
  ['${A:=x}', "unsupported modifier ':='"],
  ['"open', 'unmatched double quote'],
  ["'open", 'unmatched single quote'],
])('expandWord(%s) fails: %s', (input, msg) => {
  expect(() => expandWord(input, vars)).toThrow(SubstitutionError);
  expect(() => expandWord(input, vars)).toThrow(msg);
});

test('splitRawWords keeps quotes and escapes for K=V parsing', () => {
  expect(splitRawWords('A=1 B="x y" C=a\\ b D=\'q r\'')).toEqual(['A=1', 'B="x y"', 'C=a\\ b', "D='q r'"]);
});

test('joinContinuations drops the escape and comment/blank lines, keeping indentation', () => {
  expect(joinContinuations(['a \\', '  # note', '', '  b \\  ', 'c'], '\\')).toBe('a   b c');
  expect(joinContinuations(['a `', 'b'], '`')).toBe('a b');
});
