// parseDockerfile(): Dockerfile text → stages of our typed steps. Syntax
// (continuations, heredocs, the escape directive, comments) comes from
// dockerfile-ast; stages, ARG scoping, substitution and the mapping are ours.
// Pure: no file or network access, so the engine can call it while planning.
import { DockerfileParser, type Heredoc as AstHeredoc, type Instruction } from 'dockerfile-ast';
import { distance } from 'fastest-levenshtein';
import { Ctx, type Flag, type Heredoc, type Instr } from './context.js';
import { DockerfileError } from './errors.js';
import { translateArg } from './instructions/arg.js';
import { translateConfig } from './instructions/config.js';
import { translateCopy } from './instructions/copy.js';
import { translateFrom } from './instructions/from.js';
import { translateRun } from './instructions/run.js';
import { KNOWN, UNSUPPORTED } from './instructions/unsupported.js';
import type { DockerfilePlan, ParseOptions } from './types.js';

export function parseDockerfile(text: string, file: string, opts: ParseOptions): DockerfilePlan {
  const df = DockerfileParser.parse(text);
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const ctx = new Ctx(file, df.getEscapeCharacter(), opts);

  for (const node of df.getInstructions()) {
    const ins = toInstr(ctx, node, lines);
    translate(ctx, ins);
  }
  if (ctx.stages.length === 0) throw new DockerfileError({ file, line: 1, column: 1 }, undefined, 'no FROM instruction', 'A Dockerfile needs at least one FROM <image>.');

  for (const name of Object.keys(opts.buildArgs)) {
    if (!ctx.usedBuildArgs.has(name)) ctx.notes.push({ loc: { file, line: 1, column: 1 }, message: `build arg ${name} is not declared by any ARG and was not used` });
  }
  const declared = ctx.stages.map((s) => s.stage);
  const implicit = ctx.implicitStages.map((s, i) => ({ ...s, index: declared.length + i }));
  return { file, stages: [...declared, ...implicit], finalStage: finalStageOf(ctx, opts.target), notes: ctx.notes };
}

function finalStageOf(ctx: Ctx, target: string | undefined): number {
  if (target === undefined) return ctx.stages.length - 1;
  const found = ctx.stages.find((s) => s.stage.name === target.toLowerCase());
  if (found) return found.stage.index;
  const names = ctx.stages.flatMap((s) => (s.stage.name ? [s.stage.name] : []));
  throw new DockerfileError({ file: ctx.file, line: 1, column: 1 }, undefined, `no stage named '${target}'`, names.length ? `Stages in this file: ${names.join(', ')}.` : 'This file has no named stages; leave the target out to build the last stage.');
}

function translate(ctx: Ctx, ins: Instr): void {
  const k = ins.keyword;
  if (k === 'FROM') return translateFrom(ctx, ins);
  if (k === 'ARG') return translateArg(ctx, ins);
  if (UNSUPPORTED[k]) ctx.unsupported(ins, `${k} is not supported by kairos-pipe`, UNSUPPORTED[k]);
  if (!KNOWN.includes(k)) {
    const near = KNOWN.map((n) => ({ n, d: distance(n, k) })).sort((a, b) => a.d - b.d)[0];
    ctx.fail(ins, `unknown instruction '${k}'`, near.d <= 2 ? `Did you mean ${near.n}?` : `Known instructions: ${KNOWN.join(', ')}.`);
  }
  const stage = ctx.current;
  if (!stage) ctx.fail(ins, `${k} before the first FROM`, 'Only ARG may come before the first FROM; move this line below it.');
  if (k === 'RUN') return translateRun(ctx, ins, stage);
  if (k === 'COPY' || k === 'ADD') return translateCopy(ctx, ins, stage);
  return translateConfig(ctx, ins, stage);
}

function toInstr(ctx: Ctx, node: Instruction, lines: string[]): Instr {
  const start = node.getRange().start;
  const loc = { file: ctx.file, line: start.line + 1, column: start.character + 1 };
  const keyword = node.getKeyword();
  const withFlags = node as Instruction & { getFlags?: () => Array<{ getName(): string; getValue(): string | null }> };
  const flags: Flag[] = (withFlags.getFlags?.() ?? []).map((f) => ({ name: f.getName(), value: f.getValue() }));
  const raw = node.getRawArgumentsContent() ?? '';
  const args = node.getArguments();
  const argsLine = args.length ? args[0].getRange().start.line : start.line;
  const base: Instr = { keyword, loc, flags, text: '', heredocs: [], headText: '' };

  const withDocs = node as Instruction & { getHeredocs?: () => AstHeredoc[] };
  const docs = keyword === 'RUN' || keyword === 'COPY' || keyword === 'ADD' ? (withDocs.getHeredocs?.() ?? []) : [];
  if (docs.length === 0) {
    const text = joinContinuations(raw.split('\n'), ctx.escape);
    return { ...base, text, headText: text };
  }
  const heredocs: Heredoc[] = [];
  for (const d of docs) {
    const delim = d.getDelimiterRange();
    if (!delim) ctx.fail(base, `heredoc <<${d.getName()} has no closing '${d.getName()}' line`, `End the heredoc with a line that is exactly ${d.getName()}.`);
    const content = d.getContentRange();
    const body = content ? lines.slice(content.start.line, delim.start.line).map((l) => `${l}\n`).join('') : '';
    const nameAt = d.getNameRange().start;
    const before = /<<(-?)(["']?)$/.exec(lines[nameAt.line].slice(0, nameAt.character));
    heredocs.push({ name: d.getName(), chomp: before?.[1] === '-', quoted: !!before?.[2], body });
  }
  const first = docs[0].getContentRange()?.start.line ?? docs[0].getDelimiterRange()?.start.line ?? argsLine + 1;
  const headText = joinContinuations(raw.split('\n').slice(0, Math.max(1, first - argsLine)), ctx.escape);
  return { ...base, text: headText, headText, heredocs };
}

/**
 * Docker's logical line: a trailing escape (plus blanks) joins the next line with
 * nothing in between; comment and empty lines inside the continuation are dropped.
 */
export function joinContinuations(physical: string[], escape: string): string {
  const cont = new RegExp(`${escape.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}[ \\t]*$`);
  let out = '';
  physical.forEach((line, i) => {
    if (i > 0 && (line.trim() === '' || line.trimStart().startsWith('#'))) return;
    const m = cont.exec(line);
    out += m ? line.slice(0, m.index) : line;
  });
  return out;
}
