// Image-config instructions → config steps: ENV, LABEL, WORKDIR, USER, CMD,
// ENTRYPOINT, SHELL; EXPOSE is accepted and noted (OS images publish no ports).
import { posix } from 'node:path';
import { configSchema, type ConfigStep } from '../../dsl/steps/config.js';
import type { Ctx, Instr, StageScope } from '../context.js';
import { splitRawWords } from '../lex.js';

function push(ctx: Ctx, ins: Instr, set: ConfigStep['set']): void {
  ctx.push(ctx.step(ins, configSchema, { kind: 'config', set }));
}

/** `K=V K2="v 2"`, or the legacy `K value with spaces` form; keys and values are expanded. */
export function keyValues(ctx: Ctx, ins: Instr, stage: StageScope): Array<[string, string]> {
  const vars = ctx.scope(stage);
  const words = splitRawWords(ins.text, ctx.escape);
  if (words.length === 0) ctx.fail(ins, `${ins.keyword} needs at least one KEY=value`);
  if (!words[0].includes('=')) {
    // Legacy form: the first word is the key, the rest of the line its value.
    const rest = ins.text.trimStart().slice(words[0].length).trim();
    if (rest === '') ctx.fail(ins, `${ins.keyword} ${words[0]} has no value`, `Write ${ins.keyword} ${words[0]}=<value>.`);
    return [[ctx.word(ins, words[0], vars), ctx.word(ins, rest, vars)]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) ctx.fail(ins, `'${w}' is not KEY=value`, `Write ${ins.keyword} KEY=value (quote values with spaces).`);
    return [ctx.word(ins, w.slice(0, eq), vars), ctx.word(ins, w.slice(eq + 1), vars)];
  });
}

/** A JSON array of strings (exec form), or undefined for shell form. */
export function execForm(text: string): string[] | undefined {
  const t = text.trim();
  if (!t.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
  } catch {
    return undefined;
  }
}

export function translateConfig(ctx: Ctx, ins: Instr, stage: StageScope): void {
  const vars = ctx.scope(stage);
  switch (ins.keyword) {
    case 'ENV': {
      ctx.checkFlags(ins, []);
      const pairs = keyValues(ctx, ins, stage);
      for (const [k, v] of pairs) stage.env.set(k, v);
      push(ctx, ins, { env: Object.fromEntries(pairs) });
      return;
    }
    case 'LABEL':
      ctx.checkFlags(ins, []);
      push(ctx, ins, { labels: Object.fromEntries(keyValues(ctx, ins, stage)) });
      return;
    case 'WORKDIR': {
      ctx.checkFlags(ins, []);
      const dir = ctx.word(ins, ins.text.trim(), vars);
      if (dir === '') ctx.fail(ins, 'WORKDIR needs a path');
      // Relative WORKDIRs build on the previous one, as in Docker.
      stage.workdir = posix.resolve(stage.workdir, dir);
      push(ctx, ins, { workdir: stage.workdir });
      return;
    }
    case 'USER': {
      ctx.checkFlags(ins, []);
      const user = ctx.word(ins, ins.text.trim(), vars);
      if (user === '') ctx.fail(ins, 'USER needs a user name or uid[:gid]');
      push(ctx, ins, { user });
      return;
    }
    case 'SHELL': {
      ctx.checkFlags(ins, []);
      const argv = execForm(ins.text);
      if (!argv || argv.length === 0) ctx.fail(ins, 'SHELL must be a JSON array, e.g. SHELL ["/bin/bash", "-c"]');
      stage.shell = argv;
      push(ctx, ins, { shell: argv });
      return;
    }
    case 'CMD':
    case 'ENTRYPOINT': {
      ctx.checkFlags(ins, []);
      // Shell form runs through the SHELL in effect, as Docker records it.
      const argv = execForm(ins.text) ?? [...stage.shell, ins.text.trim()];
      if (ins.keyword === 'CMD') {
        stage.cmdSet = true;
        push(ctx, ins, { cmd: argv });
      } else {
        // Docker clears an inherited CMD when ENTRYPOINT is set, unless this stage set CMD first.
        push(ctx, ins, stage.cmdSet ? { entrypoint: argv } : { entrypoint: argv, cmd: [] });
      }
      return;
    }
    case 'EXPOSE':
      ctx.note(ins, `EXPOSE ${ins.text.trim()} ignored: OS images publish no container ports`);
      return;
    default:
      throw new Error(`not a config instruction: ${ins.keyword}`);
  }
}
