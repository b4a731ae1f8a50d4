// from(dockerfile(...)): a Dockerfile's stages become synthetic target
// instances, so a stage is cached, deduped and scheduled like any target, and
// COPY --from=<stage> is an edge. Reading and parsing happen here, at graph
// time; the stages' steps are the front end's typed steps.
import { promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import { noteInput } from '../cache/journal/input-log.js';
import { basename, resolve, relative } from 'node:path';
import { z } from 'zod';
import type { DockerfileStage } from '../dockerfile/index.js';
import { TARGET_BRAND, type TargetDef } from '../dsl/target.js';
import type { Step } from '../dsl/steps/index.js';
import type { FromStep } from '../dsl/steps/from.js';
import type { LoadedTarget } from '../load/project.js';
import { canonicalJson } from '../cache/canonical.js';
import { PlanError } from '../errors/index.js';

const PREFIX = '@dockerfile:';
const synthetic = new Map<string, LoadedTarget>();

export function isDockerfileRef(ref: string): boolean {
  return ref.startsWith(PREFIX);
}

export function dockerfileTarget(ref: string): LoadedTarget | undefined {
  return synthetic.get(ref);
}

async function findDockerfile(t: LoadedTarget, path: string): Promise<string> {
  for (const base of [t.project.root, t.context]) {
    const p = resolve(base, path);
    noteInput(p);
    if (await fs.stat(p).then((s) => s.isFile(), () => false)) return p;
  }
  throw new PlanError(t.def.name, relative(process.cwd(), t.file), `Dockerfile '${path}' not found (looked in the project root and ${relative(process.cwd(), t.context) || '.'})`);
}

/** Replaces a leading from(dockerfile(...)) with a from() of the Dockerfile's final stage. */
export async function expandDockerfileBase(t: LoadedTarget, steps: Step[]): Promise<Step[]> {
  const first = steps.find((s) => s.kind === 'from') as FromStep | undefined;
  if (!first || first.source.type !== 'dockerfile') return steps;
  const src = first.source;
  const file = await findDockerfile(t, src.path);
  // Loaded on first use: the Dockerfile parser costs ~0.2 s of start-up otherwise.
  const { parseDockerfile, stageKey, stagesNeeded } = await import('../dockerfile/index.js');
  const plan = parseDockerfile(await fs.readFile(file, 'utf8'), relative(t.project.root, file), { buildArgs: src.args, target: src.stage });
  const tag = createHash('sha256').update(`${relative(t.project.root, file)}\0${canonicalJson(src.args)}`).digest('hex').slice(0, 12);
  const refOf = (key: string) => `${PREFIX}${tag}:${key}`;
  for (const stage of stagesNeeded(plan)) {
    const ref = refOf(stageKey(stage));
    if (synthetic.has(ref)) continue;
    const stageSteps = stageStepsOf(stage, refOf);
    const name = `${basename(file)}.${stageKey(stage).replace(/[^A-Za-z0-9._-]+/g, '_')}`.replace(/^[^A-Za-z0-9]+/, '');
    const def: TargetDef = Object.freeze({
      [TARGET_BRAND]: true as const,
      name,
      doc: `stage ${stageKey(stage)} of ${relative(t.project.root, file)}`,
      args: z.object({}),
      plan: () => stageSteps,
      loc: stage.from.loc ?? { file, line: 1, column: 1 },
    });
    // COPY sources of a Dockerfile are relative to the build context: the project root.
    synthetic.set(ref, { def, file, context: t.project.root, project: t.project });
  }
  const final = plan.stages[plan.finalStage];
  return steps.map((s) => (s === first ? { ...first, source: { type: 'target', ref: refOf(stageKey(final)), args: {} } } : s)) as Step[];
}

function stageStepsOf(stage: DockerfileStage, refOf: (key: string) => string): Step[] {
  const base = stage.from.source;
  const from: FromStep = base.type === 'dockerfile' ? { ...stage.from, source: { type: 'target', ref: refOf(base.stage ?? ''), args: {} } } : stage.from;
  const rest = stage.steps.map((s) => {
    if (s.kind !== 'copy') return s;
    return { ...s, sources: s.sources.map((c) => (c.type === 'stage' ? { ...c, stage: refOf(c.stage) } : c)) };
  });
  return [from, ...rest];
}
