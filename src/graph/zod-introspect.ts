// Reads what `ls` and arg errors need out of a zod object schema: each field's
// type, default and allowed values. Only zod's public `def` data is used.
import type { z } from 'zod';

export interface ArgInfo {
  name: string;
  type: string;
  optional: boolean;
  default?: unknown;
  values?: string[];
  description?: string;
}

interface Def {
  type: string;
  innerType?: { _zod: { def: Def } };
  defaultValue?: unknown;
  entries?: Record<string, string>;
  values?: unknown[];
}

function defOf(s: unknown): Def {
  return (s as { _zod: { def: Def } })._zod.def;
}

export function fieldInfo(name: string, schema: z.ZodType): ArgInfo {
  let def = defOf(schema);
  let optional = false;
  let dflt: unknown;
  for (;;) {
    if (def.type === 'default' || def.type === 'prefault') {
      dflt = typeof def.defaultValue === 'function' ? (def.defaultValue as () => unknown)() : def.defaultValue;
      optional = true;
    } else if (def.type === 'optional' || def.type === 'nullable') optional = true;
    else break;
    def = def.innerType!._zod.def;
  }
  const info: ArgInfo = { name, type: def.type, optional, description: (schema as { description?: string }).description };
  if (dflt !== undefined) info.default = dflt;
  if (def.type === 'enum' && def.entries) info.values = Object.values(def.entries).map(String);
  if (def.type === 'literal' && def.values) info.values = def.values.map(String);
  return info;
}

export function argsInfo(schema: z.ZodObject): ArgInfo[] {
  return Object.entries(schema.shape).map(([k, v]) => fieldInfo(k, v as z.ZodType));
}
