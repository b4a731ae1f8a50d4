// --explain: why a step missed the cache, by diffing its key inputs against the
// last record written at the same step position.
import type { KeyInputs } from '../cache/key.js';
import type { StepRecord } from '../cache/records.js';
import { canonicalJson } from '../cache/canonical.js';

const INPUT_NAMES: Record<string, string> = {
  'input.base': 'the target it starts from (from) changed',
  'input.tools': 'the tools target changed',
  'input.manifest': 'the base image tag now points at another digest',
  'input.release': "the mirror's Release file changed (new packages)",
};

/** `input.base: <key> -> <key>` reads better as what that input is. */
function friendlyInput(line: string): string {
  const name = line.slice(0, line.indexOf(':'));
  return INPUT_NAMES[name] ? `${INPUT_NAMES[name]} (${line.slice(name.length + 2)})` : line;
}

function short(v: unknown): string {
  const s = typeof v === 'string' ? v : canonicalJson(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function diffValues(path: string, a: unknown, b: unknown, out: string[]): void {
  if (canonicalJson(a) === canonicalJson(b)) return;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of [...keys].sort()) diffValues(path ? `${path}.${k}` : k, (a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], out);
    return;
  }
  out.push(`${path}: ${short(a)} -> ${short(b)}`);
}

/**
 * Context-file lists: report files added, removed, changed by path. Entries hold
 * paths relative to the copy source ('' for a single-file source), so the
 * source path is put in front to name the file as the user knows it.
 */
function diffFiles(before: string[], after: string[], out: string[], source?: string): void {
  const root = (source ?? '').replace(/^\.\/+/, '').replace(/\/+$/, '');
  const name = (rel: string) => (root && root !== '.' ? (rel ? `${root}/${rel}` : root) : rel);
  const parse = (l: string[]) => new Map(l.map((x) => [name(x.split(' ').slice(3).join(' ')), x]));
  const a = parse(before);
  const b = parse(after);
  for (const [p, v] of b) {
    if (!a.has(p)) out.push(`file ${p} added`);
    else if (a.get(p) !== v) out.push(`file ${p} changed`);
  }
  for (const p of a.keys()) if (!b.has(p)) out.push(`file ${p} removed`);
}

export function explainMiss(current: KeyInputs, last: StepRecord | undefined, noCache: boolean): string[] {
  if (noCache) return ['--no-cache was given'];
  if (!last) return ['no earlier build of this step in this cache'];
  const prev = last.inputs as unknown as KeyInputs;
  const out: string[] = [];
  if (prev.version !== current.version) out.push(`step implementation changed (v${prev.version} -> v${current.version})`);
  diffValues('', prev.step, current.step, out);
  const pi = prev.inputs ?? {};
  const ci = current.inputs ?? {};
  const ps = (pi.sources as Array<{ files?: string[] }>) ?? [];
  const cs = (ci.sources as Array<{ files?: string[] }>) ?? [];
  if (ps.length || cs.length) {
    const specSources = (current.step.sources as Array<{ path?: string }> | undefined) ?? [];
    cs.forEach((s, i) => {
      if (s.files && ps[i]?.files) diffFiles(ps[i].files!, s.files, out, specSources[i]?.path);
      else diffValues(`input ${i}`, ps[i], s, out);
    });
  }
  const rest = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'sources' && k !== 'nonce'));
  const inputDiffs: string[] = [];
  diffValues('input', rest(pi), rest(ci), inputDiffs);
  out.push(...inputDiffs.map(friendlyInput));
  if ('nonce' in ci) out.push('the step is marked noCache / cache: never');
  if (prev.parent !== current.parent) out.push('the previous step changed (parent key differs)');
  if (out.length === 0) out.push('same inputs as the last build, but its result is no longer in the cache (pruned or corrupt)');
  return out;
}
