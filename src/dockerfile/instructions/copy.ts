// COPY and ADD of local paths → a copy step. --from names an earlier stage (by
// name or index) or an image (an implicit stage). ADD's URL download and archive
// auto-extraction are refused: both hide inputs the cache key cannot see.
import { posix } from 'node:path';
import { copySchema, type CopySource } from '../../dsl/steps/copy.js';
import type { Ctx, Instr, StageScope } from '../context.js';
import { stageKey } from '../types.js';
import { execForm } from './config.js';
import { findStage, implicitImageStage } from './from.js';

const URL_RE = /^(?:https?|git|ssh|ftp):\/\/|^git@/i;
const ARCHIVE_RE = /\.(?:tar|tgz|tbz2?|txz|tzst|tar\.(?:gz|bz2|xz|zst|lz|lzma|Z)|gz|bz2|xz|zst|lzma)$/i;

export function translateCopy(ctx: Ctx, ins: Instr, stage: StageScope): void {
  const isAdd = ins.keyword === 'ADD';
  for (const f of ins.flags) {
    if (f.name === 'checksum' || f.name === 'keep-git-dir') {
      ctx.unsupported(ins, `ADD --${f.name} is for downloads, which kairos-pipe does not do in ADD`, 'Download in a RUN step (RUN curl -fsSLo /tmp/f <url> && echo "<sha256>  /tmp/f" | sha256sum -c).');
    }
    if (f.name === 'parents' || f.name === 'exclude') ctx.unsupported(ins, `--${f.name} is not supported`, 'Copy each folder with its own COPY, or tidy up with RUN rm afterwards.');
  }
  ctx.checkFlags(ins, isAdd ? ['chown', 'chmod', 'link'] : ['from', 'chown', 'chmod', 'link']);
  if (ins.heredocs.length) {
    ctx.unsupported(ins, `${ins.keyword} with a heredoc (inline file) is not supported`, "Write the file in a RUN step: RUN cat > /path <<'EOF' ... EOF.");
  }
  const vars = ctx.scope(stage);
  const args = execForm(ins.text)?.map((a) => ctx.word(ins, a, vars)) ?? ctx.words(ins, ins.text, vars);
  if (args.length < 2) ctx.fail(ins, `${ins.keyword} needs at least one source and a destination`, `Write ${ins.keyword} <src>... <dest>.`);
  const srcs = args.slice(0, -1);
  let dest = args[args.length - 1];
  if (srcs.length > 1 && !dest.endsWith('/')) ctx.fail(ins, `with several sources the destination must be a folder ending in '/', got '${dest}'`, `Write ${dest}/.`);
  // Relative destinations are relative to WORKDIR, as in Docker.
  if (!dest.startsWith('/')) dest = posix.join(stage.workdir, dest).replace(/(.)\/+$/, '$1') + (dest.endsWith('/') || dest === '.' ? '/' : '');

  for (const s of srcs) {
    if (URL_RE.test(s)) {
      ctx.unsupported(ins, `${ins.keyword} of a URL (${s}) is not supported`, `Download in a RUN step with a checksum check: RUN curl -fsSLo ${dest} ${s} && echo "<sha256>  ${dest}" | sha256sum -c.`);
    }
    if (isAdd && ARCHIVE_RE.test(s)) {
      ctx.unsupported(ins, `ADD of an archive (${s}) would unpack it, which kairos-pipe does not do`, `COPY ${s} /tmp/ and unpack it in a RUN step: RUN tar -xf /tmp/${posix.basename(s)} -C ${dest} && rm /tmp/${posix.basename(s)}.`);
    }
  }

  const fromFlag = ctx.flag(ins, 'from');
  let sources: CopySource[];
  if (fromFlag !== undefined) {
    const key = stageRef(ctx, ins, ctx.word(ins, fromFlag, vars), stage);
    sources = srcs.map((p) => ({ type: 'stage', stage: key, path: p.startsWith('/') ? p : `/${p}` }));
  } else {
    sources = srcs.map((p) => ({ type: 'context', path: contextPath(ctx, ins, p) }));
  }

  const chown = ownerOf(ctx, ins, ctx.flag(ins, 'chown'), vars);
  const chmod = modeOf(ctx, ins, ctx.flag(ins, 'chmod'), vars);
  ctx.push(ctx.step(ins, copySchema, { kind: 'copy', sources, dest, ...(chown ? { chown } : {}), ...(chmod ? { chmod } : {}) }));
}

/** Build-context paths are relative to the context root and may not climb out of it. */
function contextPath(ctx: Ctx, ins: Instr, p: string): string {
  const norm = posix.normalize(p.replace(/^\/+/, '')).replace(/(.)\/+$/, '$1') || '.';
  if (norm === '..' || norm.startsWith('../')) ctx.fail(ins, `source '${p}' is outside the build context`, 'Move the file into the build context, or copy it from another stage with --from.');
  return norm;
}

function stageRef(ctx: Ctx, ins: Instr, ref: string, current: StageScope): string {
  if (/^\d+$/.test(ref)) {
    const n = Number(ref);
    if (n >= current.stage.index) ctx.fail(ins, `--from=${ref} must name an earlier stage (this is stage ${current.stage.index})`);
    return stageKey(ctx.stages[n].stage);
  }
  const named = findStage(ctx, ref);
  if (named) {
    if (named === current) ctx.fail(ins, `--from=${ref} names the stage it is in`);
    return stageKey(named.stage);
  }
  if (ref === '') ctx.fail(ins, '--from is empty', 'Name an earlier stage or an image.');
  return implicitImageStage(ctx, ins, ref);
}

function ownerOf(ctx: Ctx, ins: Instr, v: string | undefined, vars: ReadonlyMap<string, string>): string | undefined {
  if (v === undefined) return undefined;
  const owner = ctx.word(ins, v, vars);
  if (!/^\d+(:\d+)?$/.test(owner)) {
    ctx.unsupported(ins, `--chown=${owner} uses names; only numeric uid[:gid] is supported`, 'Use numbers, e.g. --chown=1000:1000 (find them with `id <user>` in the image); names would need the image\'s /etc/passwd at plan time.');
  }
  return owner;
}

function modeOf(ctx: Ctx, ins: Instr, v: string | undefined, vars: ReadonlyMap<string, string>): string | undefined {
  if (v === undefined) return undefined;
  const mode = ctx.word(ins, v, vars);
  if (!/^[0-7]{3,4}$/.test(mode)) ctx.unsupported(ins, `--chmod=${mode} is not an octal mode`, 'Use an octal mode such as --chmod=0755 or --chmod=644.');
  return mode;
}
