// ARG NAME[=default] ...: before the first FROM it declares a global ARG (usable
// in FROM lines); inside a stage it brings a value into scope for substitution
// and for RUN's environment. A build arg overrides the default.
import type { Ctx, Instr } from '../context.js';
import { splitRawWords } from '../lex.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function translateArg(ctx: Ctx, ins: Instr): void {
  ctx.checkFlags(ins, []);
  const words = splitRawWords(ins.text, ctx.escape);
  if (words.length === 0) ctx.fail(ins, 'ARG needs a name', 'Write ARG NAME or ARG NAME=default.');
  const stage = ctx.current;
  for (const w of words) {
    const eq = w.indexOf('=');
    const name = eq < 0 ? w : w.slice(0, eq);
    if (!NAME.test(name)) ctx.fail(ins, `'${name}' is not a valid ARG name`, 'ARG names are letters, digits and _, not starting with a digit.');
    const scope = stage ? ctx.scope(stage) : ctx.globalScope();
    const fallback = eq < 0 ? undefined : ctx.word(ins, w.slice(eq + 1), scope);
    let value: string | undefined;
    if (Object.hasOwn(ctx.opts.buildArgs, name)) {
      value = ctx.opts.buildArgs[name];
      ctx.usedBuildArgs.add(name);
    } else if (fallback !== undefined) value = fallback;
    else if (stage && ctx.globalArgs.has(name)) value = ctx.globalArgs.get(name);
    else if (stage) value = ctx.platformArgs().get(name);
    if (stage) stage.args.set(name, value);
    else ctx.globalArgs.set(name, value);
  }
}
