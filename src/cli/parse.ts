// Parsers for option values: sizes, durations, repeatable key=value flags, secrets.
import { readFileSync } from 'node:fs';
import { UsageError } from './io.js';

export function parseBytes(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i.exec(v.trim());
  if (!m) throw new UsageError(`'${v}' is not a size`, 'Use a number of bytes or a suffix: 500M, 10G, 1.5GiB.');
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.floor(Number(m[1]) * mult);
}

export function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/.exec(v.trim());
  if (!m) throw new UsageError(`'${v}' is not a duration`, 'Use a number with s, m, h, d or w: 12h, 7d.');
  return Number(m[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
}

export function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/** --secret NAME (env NAME), NAME=env:VAR, NAME=file:PATH. Values never printed. */
export function parseSecrets(list: string[], env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const [name, src] = item.includes('=') ? [item.slice(0, item.indexOf('=')), item.slice(item.indexOf('=') + 1)] : [item, `env:${item}`];
    if (src.startsWith('env:')) {
      const v = env[src.slice(4)];
      if (v === undefined) throw new UsageError(`--secret ${name}: environment variable ${src.slice(4)} is not set`, `Export it, or use --secret ${name}=file:PATH.`);
      out[name] = v;
    } else if (src.startsWith('file:')) {
      try {
        out[name] = readFileSync(src.slice(5), 'utf8').replace(/\n$/, '');
      } catch {
        throw new UsageError(`--secret ${name}: cannot read ${src.slice(5)}`, 'Check the path and its permissions.');
      }
    } else throw new UsageError(`--secret ${item}: the source must be env:VAR or file:PATH`, `Example: --secret ${name}=env:${name}`);
  }
  return out;
}
