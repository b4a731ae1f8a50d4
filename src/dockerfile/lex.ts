// Docker's word rules for instruction arguments: quotes, the escape character,
// and $VAR / ${VAR} substitution with the :- :+ :? - + ? # % / modifiers.
// Pure string work; callers turn SubstitutionError into a located DockerfileError.

/** Variables in scope: present means set (possibly to ''), absent means unset. */
export type VarScope = ReadonlyMap<string, string>;

export class SubstitutionError extends Error {}

class WordList {
  readonly list: string[] = [];
  private cur = '';
  private started = false;
  raw(s: string): void {
    this.cur += s;
    this.started = true;
  }
  /** Unquoted text: whitespace separates words. */
  text(s: string): void {
    for (const c of s) {
      if (/\s/.test(c)) this.blank();
      else this.raw(c);
    }
  }
  blank(): void {
    if (this.started) this.list.push(this.cur);
    this.cur = '';
    this.started = false;
  }
  done(): string[] {
    this.blank();
    return this.list;
  }
}

class Scanner {
  private pos = 0;
  constructor(private readonly s: string, private readonly vars: VarScope, private readonly esc: string) {}

  /** Processes up to `stop` (consumed) or the end; returns the text and its words. */
  run(stop?: string): { result: string; words: string[] } {
    let result = '';
    const words = new WordList();
    while (this.pos < this.s.length) {
      const ch = this.s[this.pos];
      if (stop !== undefined && ch === stop) {
        this.pos++;
        return { result, words: words.done() };
      }
      if (ch === "'" || ch === '"') {
        const v = ch === "'" ? this.single() : this.double();
        result += v;
        words.raw(v);
        continue;
      }
      if (ch === '$') {
        const v = this.dollar();
        result += v;
        words.text(v);
        continue;
      }
      this.pos++;
      if (ch === this.esc) {
        if (this.pos >= this.s.length) break; // a trailing escape is dropped, as Docker does
        const next = this.s[this.pos++];
        result += next;
        words.raw(next);
        continue;
      }
      result += ch;
      words.text(ch);
    }
    if (stop !== undefined) throw new SubstitutionError(`missing '${stop}' in '${this.s}'`);
    return { result, words: words.done() };
  }

  private single(): string {
    const end = this.s.indexOf("'", this.pos + 1);
    if (end < 0) throw new SubstitutionError(`unmatched single quote in '${this.s}'`);
    const v = this.s.slice(this.pos + 1, end);
    this.pos = end + 1;
    return v;
  }

  private double(): string {
    this.pos++;
    let out = '';
    for (;;) {
      if (this.pos >= this.s.length) throw new SubstitutionError(`unmatched double quote in '${this.s}'`);
      const ch = this.s[this.pos];
      if (ch === '"') {
        this.pos++;
        return out;
      }
      if (ch === '$') {
        out += this.dollar();
        continue;
      }
      this.pos++;
      if (ch === this.esc) {
        const next = this.s[this.pos];
        if (next === undefined) continue;
        // Inside double quotes only ", $ and the escape itself can be escaped.
        if (next === '"' || next === '$' || next === this.esc) {
          out += next;
          this.pos++;
          continue;
        }
      }
      out += ch;
    }
  }

  private name(): string {
    const m = /^(?:[0-9]+|[A-Za-z_][A-Za-z0-9_]*)/.exec(this.s.slice(this.pos));
    const n = m ? m[0] : '';
    this.pos += n.length;
    return n;
  }

  private dollar(): string {
    this.pos++; // '$'
    if (this.s[this.pos] !== '{') {
      const n = this.name();
      return n === '' ? '$' : (this.vars.get(n) ?? '');
    }
    this.pos++; // '{'
    const n = this.name();
    if (n === '') throw new SubstitutionError(`bad substitution in '${this.s}'`);
    const set = this.vars.has(n);
    const value = this.vars.get(n) ?? '';
    const op = this.s[this.pos++];
    if (op === '}') return value;
    if (op === undefined) throw new SubstitutionError(`missing '}' in '${this.s}'`);
    if (op === ':') {
      const mod = this.s[this.pos++];
      if (mod !== '-' && mod !== '+' && mod !== '?') throw new SubstitutionError(`unsupported modifier ':${mod ?? ''}' in '${this.s}'`);
      const word = this.run('}').result;
      const present = set && value !== '';
      if (mod === '-') return present ? value : word;
      if (mod === '+') return present ? word : '';
      if (!present) throw new SubstitutionError(`${n}: ${word || 'is not allowed to be unset or empty'}`);
      return value;
    }
    if (op === '-' || op === '+' || op === '?') {
      const word = this.run('}').result;
      if (op === '-') return set ? value : word;
      if (op === '+') return set ? word : '';
      if (!set) throw new SubstitutionError(`${n}: ${word || 'is not allowed to be unset'}`);
      return value;
    }
    if (op === '#' || op === '%') {
      const longest = this.s[this.pos] === op;
      if (longest) this.pos++;
      const pattern = this.run('}').result;
      return op === '#' ? trimPrefix(value, pattern, longest) : trimSuffix(value, pattern, longest);
    }
    if (op === '/') {
      const all = this.s[this.pos] === '/';
      if (all) this.pos++;
      const pattern = this.run('/').result;
      const repl = this.run('}').result;
      const re = new RegExp(globSource(pattern), all ? 'g' : '');
      return pattern === '' ? value : value.replace(re, () => repl);
    }
    throw new SubstitutionError(`unsupported modifier '${op}' in '${this.s}'`);
  }
}

/** Shell glob (*, ?, [..]) as a regex source; greedy, so callers choose shortest/longest by slicing. */
function globSource(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        out += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return out;
}

function trimPrefix(value: string, pattern: string, longest: boolean): string {
  const re = new RegExp(`^(?:${globSource(pattern)})$`, 's');
  for (let k = 0; k <= value.length; k++) {
    const i = longest ? value.length - k : k;
    if (re.test(value.slice(0, i))) return value.slice(i);
  }
  return value;
}

function trimSuffix(value: string, pattern: string, longest: boolean): string {
  const re = new RegExp(`^(?:${globSource(pattern)})$`, 's');
  for (let k = 0; k <= value.length; k++) {
    const i = longest ? k : value.length - k;
    if (re.test(value.slice(i))) return value.slice(0, i);
  }
  return value;
}

/** One word: quotes removed, variables expanded, whitespace kept as written. */
export function expandWord(text: string, vars: VarScope, esc = '\\'): string {
  return new Scanner(text, vars, esc).run().result;
}

/** Words split on unquoted whitespace, after quote removal and expansion. */
export function expandWords(text: string, vars: VarScope, esc = '\\'): string[] {
  return new Scanner(text, vars, esc).run().words;
}

/** Splits on unquoted whitespace but keeps quotes and escapes, for `K=V` lists (ENV, LABEL, ARG). */
export function splitRawWords(text: string, esc = '\\'): string[] {
  const words: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (!quote && /\s/.test(c)) {
      if (started) words.push(cur);
      cur = '';
      started = false;
      continue;
    }
    started = true;
    cur += c;
    if (c === esc && quote !== "'" && i + 1 < text.length) {
      cur += text[++i];
      continue;
    }
    if (quote ? c === quote : c === '"' || c === "'") quote = quote ? undefined : c;
  }
  if (started) words.push(cur);
  return words;
}
