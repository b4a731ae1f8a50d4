// FROM [--platform=<p>] <image|stage> [AS <name>]: opens a stage. The image is
// expanded with the global ARGs only, as Docker does.
import { fromSchema, type FromStep } from '../../dsl/steps/from.js';
import { Ctx, DEFAULT_SHELL, type Instr, type StageScope } from '../context.js';
import { stageKey } from '../types.js';

const STAGE_NAME = /^[a-z][a-z0-9._-]*$/;
// Loose on purpose: the registry client validates fully; this catches half-expanded refs like ':24.04'.
const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/;

export function findStage(ctx: Ctx, ref: string): StageScope | undefined {
  const want = ref.toLowerCase();
  return ctx.stages.find((s) => s.stage.name === want);
}

export function translateFrom(ctx: Ctx, ins: Instr): void {
  ctx.checkFlags(ins, ['platform']);
  const vars = ctx.globalScope();
  const words = ctx.words(ins, ins.text, vars);
  // Only the image is expanded; "AS name" must be written literally.
  const raw = ins.text.trim().split(/\s+/);
  let name: string | undefined;
  if (raw.length === 3 && raw[1].toLowerCase() === 'as') name = raw[2].toLowerCase();
  else if (raw.length !== 1 || words.length !== 1) {
    if (words.length === 0) blank(ctx, ins);
    ctx.fail(ins, `expected 'FROM <image> [AS <name>]', got 'FROM ${ins.text.trim()}'`);
  }
  const image = ctx.word(ins, raw[0], vars);
  if (image === '') blank(ctx, ins);
  if (!IMAGE_REF.test(image)) blank(ctx, ins, `base image '${ins.text.trim()}' expands to '${image}', which is not an image reference`);
  if (name !== undefined) {
    if (!STAGE_NAME.test(name)) ctx.fail(ins, `stage name '${name}' is not valid`, 'Stage names start with a letter and use letters, digits, ., _ and -.');
    if (findStage(ctx, name)) ctx.fail(ins, `stage name '${name}' is used twice`, 'Give each stage its own name.');
  }

  const platformFlag = ctx.flag(ins, 'platform');
  const platform = platformFlag !== undefined ? ctx.word(ins, platformFlag, vars) : ctx.platform;
  const parent = findStage(ctx, image);
  let source: FromStep['source'];
  if (parent) source = { type: 'dockerfile', path: ctx.file, stage: stageKey(parent.stage), args: { ...ctx.opts.buildArgs } };
  else if (image.toLowerCase() === 'scratch') source = { type: 'scratch' };
  else source = { type: 'image', ref: image, platform };

  const from = ctx.step(ins, fromSchema, { kind: 'from', source });
  const index = ctx.stages.length;
  ctx.stages.push({
    stage: { name, index, base: from.source, from, steps: [] },
    args: new Map(),
    // ENV, SHELL and WORKDIR carry over from a parent stage; ARGs never do.
    env: new Map(parent?.env ?? []),
    shell: parent ? [...parent.shell] : [...DEFAULT_SHELL],
    workdir: parent?.workdir ?? '/',
    cmdSet: false,
  });
}

function blank(ctx: Ctx, ins: Instr, what?: string): never {
  const vars = [...ins.text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
  const hint = vars.length
    ? `Pass ${vars.map((v) => `${v}=<image>`).join(' ')} as a build arg (FLAVOR alone picks one for flavors), or give the ARG a default before the first FROM.`
    : 'Name a base image, e.g. FROM debian:bookworm-slim.';
  ctx.fail(ins, what ?? `base image '${ins.text.trim()}' expands to nothing`, hint);
}

/**
 * An implicit stage for `COPY --from=<image>`, which Docker treats as `FROM <image>`.
 * Its key is the image reference; it is placed after the declared stages.
 */
export function implicitImageStage(ctx: Ctx, ins: Instr, image: string): string {
  if (!ctx.implicitStages.some((s) => s.name === image)) {
    const from = ctx.step(ins, fromSchema, { kind: 'from', source: { type: 'image', ref: image, platform: ctx.platform } });
    ctx.implicitStages.push({ name: image, index: -1, base: from.source, from, steps: [], implicit: true });
  }
  return image;
}
