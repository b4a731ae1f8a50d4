// Validates target args against the target's zod schema: unknown names get a
// "did you mean", bad values list what is allowed. CLI strings are coerced to
// the declared type first.
import { closest } from 'fastest-levenshtein';
import type { z } from 'zod';
import { InvalidArgError } from '../errors/index.js';
import { argsInfo } from './zod-introspect.js';
import type { TargetDef } from '../dsl/target.js';

function coerce(value: unknown, type: string): unknown {
  if (typeof value !== 'string') return value;
  if (type === 'number' || type === 'int') return value.trim() === '' ? value : Number(value);
  if (type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  return value;
}

export function validateArgs(def: TargetDef, raw: Record<string, unknown>): Record<string, unknown> {
  const infos = argsInfo(def.args);
  const known = new Map(infos.map((i) => [i.name, i]));
  const input: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const info = known.get(k);
    if (!info) {
      const names = [...known.keys()];
      const near = names.length ? closest(k, names) : undefined;
      throw new InvalidArgError(
        def.name,
        k,
        'is not declared by this target',
        names.length ? `${near ? `Did you mean ${near}? ` : ''}+${def.name} takes: ${names.join(', ')}.` : `+${def.name} takes no arguments.`,
      );
    }
    input[k] = coerce(v, info.type);
  }
  const parsed = (def.args as z.ZodObject).safeParse(input);
  if (parsed.success) return parsed.data as Record<string, unknown>;
  const issue = parsed.error.issues[0];
  const name = String(issue.path[0] ?? '?');
  const info = known.get(name);
  const allowed = info?.values ? `Allowed values: ${info.values.join(', ')}.` : info ? `Expected a ${info.type}.` : '';
  const given = name in raw ? `got '${String(raw[name])}': ` : '';
  throw new InvalidArgError(def.name, name, `${given}${issue.message}`, `${allowed} Run \`kairos-pipe ls\` to see every argument.`.trim());
}

/** `NAME=value` and `--NAME=value` tokens into a map; other tokens are returned as refs. */
export function splitCliArgs(tokens: string[]): { refs: string[]; args: Record<string, string> } {
  const refs: string[] = [];
  const args: Record<string, string> = {};
  for (const t of tokens) {
    const m = /^(?:--)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(t);
    if (m) args[m[1]] = m[2];
    else refs.push(t);
  }
  return { refs, args };
}
