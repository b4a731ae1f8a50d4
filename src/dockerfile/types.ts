// The front end's output: a Dockerfile as stages of our own typed steps.
import type { SourceLoc } from '../dsl/loc.js';
import type { FromStep, Step } from '../dsl/steps/index.js';

export interface DockerfileStage {
  /** `FROM ... AS <name>`, lowercased as Docker does; absent for unnamed stages. */
  name?: string;
  index: number;
  /**
   * What the stage starts from. `{ type: 'dockerfile', path, stage, args }` names an
   * earlier stage of the same file by its key (see `stageKey`).
   */
  base: FromStep['source'];
  /** The FROM instruction as a step (same `source` as `base`), with its Dockerfile location. */
  from: FromStep;
  /** Everything after FROM: config, run and copy steps, each with a `loc` in the Dockerfile. */
  steps: Step[];
  /**
   * True for a stage the front end added for `COPY --from=<image>` (Docker treats such an
   * image as an implicit stage). It has no steps, comes after the declared stages, and
   * its name is the image reference.
   */
  implicit?: boolean;
}

export interface DockerfileNote {
  loc: SourceLoc;
  message: string;
}

export interface DockerfilePlan {
  file: string;
  stages: DockerfileStage[];
  /** Index of the stage that is the result: `target`, or the last declared stage. */
  finalStage: number;
  /** Things accepted but ignored or defaulted (EXPOSE, unused build args); for the CLI to show. */
  notes: DockerfileNote[];
}

export interface ParseOptions {
  buildArgs: Record<string, string>;
  /** Stage name to build (like `docker build --target`); default: the last stage. */
  target?: string;
  /** Target platform for FROM without --platform and the automatic TARGET* args; default linux/amd64. */
  platform?: string;
}

/** How steps and bases refer to a stage: its name, or its index for an unnamed one. */
export function stageKey(stage: Pick<DockerfileStage, 'name' | 'index'>): string {
  return stage.name ?? String(stage.index);
}

/** The stages the final stage needs (through FROM and COPY --from), in dependency order. */
export function stagesNeeded(plan: DockerfilePlan): DockerfileStage[] {
  const byKey = new Map(plan.stages.map((s) => [stageKey(s), s]));
  const seen = new Set<number>();
  const order: DockerfileStage[] = [];
  const visit = (s: DockerfileStage): void => {
    if (seen.has(s.index)) return;
    seen.add(s.index);
    const deps: string[] = [];
    if (s.base.type === 'dockerfile' && s.base.path === plan.file && s.base.stage) deps.push(s.base.stage);
    for (const step of s.steps) {
      if (step.kind !== 'copy') continue;
      for (const src of step.sources) if (src.type === 'stage') deps.push(src.stage);
    }
    for (const d of deps) {
      const dep = byKey.get(d);
      if (dep) visit(dep);
    }
    order.push(s);
  };
  visit(plan.stages[plan.finalStage]);
  return order;
}
