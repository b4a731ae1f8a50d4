// Target references → a DAG of target instances (graphlib). Plans every reached
// instance, validates args before anything runs, and rejects cycles with the path.
import { Graph, alg } from '@dagrejs/graphlib';
import { resolve, relative } from 'node:path';
import { closest } from 'fastest-levenshtein';
import { loadProject, type LoadedTarget, type Project } from '../load/project.js';
import { parseTargetRef } from './refs.js';
import { validateArgs } from './args.js';
import { instanceId, instanceLabel, whereOf, type Dependency, type EdgeKind, type TargetInstance } from './instance.js';
import { CycleError, PlanError, UnknownTargetError, KairosError } from '../errors/index.js';
import type { Step } from '../dsl/steps/index.js';
import type { TargetRef } from '../dsl/steps/common.js';
import { dockerfileTarget, expandDockerfileBase, isDockerfileRef } from './dockerfile-targets.js';
import { resolveContextPath } from '../cache/context-hash.js';
import { loadRemoteProject, loadLocalOfRemote, remoteOriginOf, type RemoteOptions } from '../load/remote/index.js';

export interface BuildGraph {
  graph: Graph;
  instances: Map<string, TargetInstance>;
  roots: string[];
}

export async function resolveTarget(project: Project, ref: string, where?: string, remote?: RemoteOptions): Promise<LoadedTarget> {
  if (isDockerfileRef(ref)) {
    const t = dockerfileTarget(ref);
    if (t) return t;
  }
  const parsed = parseTargetRef(ref);
  if (!parsed) throw new UnknownTargetError(ref, [...project.targets.keys()], undefined, where);
  const proj =
    parsed.kind === 'remote'
      ? await loadRemoteProject(parsed, ref, remote ?? { cacheDir: resolve(project.root, 'cache'), lockRoot: project.root })
      : parsed.dir === '.'
        ? project
        : ((await loadLocalOfRemote(project, parsed.dir, ref)) ?? (await loadProject(resolve(project.root, parsed.dir))));
  const t = proj.targets.get(parsed.name);
  if (!t) {
    const names = [...proj.targets.keys()];
    throw new UnknownTargetError(ref, names, names.length ? closest(parsed.name, names) : undefined, where);
  }
  return t;
}

function defaultsOf(t: LoadedTarget): Record<string, unknown> {
  const r = t.def.args.safeParse({});
  return r.success ? (r.data as Record<string, unknown>) : {};
}

function refsOf(steps: Step[]): Array<{ kind: EdgeKind; ref: TargetRef; stepIndex: number }> {
  const out: Array<{ kind: EdgeKind; ref: TargetRef; stepIndex: number }> = [];
  steps.forEach((s, i) => {
    if (s.kind === 'from' && s.source.type === 'target') out.push({ kind: 'from', ref: s.source, stepIndex: i });
    if (s.kind === 'build') out.push({ kind: 'build', ref: s.target, stepIndex: i });
    if (s.kind === 'squashfs') out.push({ kind: 'tools', ref: s.tools, stepIndex: i });
    if (s.kind === 'copy') {
      for (const src of s.sources) {
        if (src.type === 'artifact') out.push({ kind: 'copy', ref: src, stepIndex: i });
        if (src.type === 'stage') out.push({ kind: 'copy', ref: { ref: src.stage, args: {} }, stepIndex: i });
      }
    }
  });
  return out;
}

async function planOf(t: LoadedTarget, args: Record<string, unknown>): Promise<Step[]> {
  const where = whereOf(t.def.loc, relative(process.cwd(), t.file));
  let steps: unknown;
  try {
    steps = t.def.plan(args);
  } catch (e) {
    if (e instanceof KairosError) throw e;
    const msg = (e as { issues?: Array<{ message: string; path: unknown[] }> }).issues
      ? `invalid step: ${(e as { issues: Array<{ message: string; path: unknown[] }> }).issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`
      : `plan() threw: ${(e as Error).message}`;
    throw new PlanError(t.def.name, where, msg, e);
  }
  if (!Array.isArray(steps) || steps.some((s) => typeof s !== 'object' || s === null || typeof (s as Step).kind !== 'string')) {
    throw new PlanError(t.def.name, where, 'plan() must return an array of steps');
  }
  const list = await expandDockerfileBase(t, steps as Step[]);
  const base = list.findIndex((s) => s.kind === 'from' || s.kind === 'bootstrap');
  if (base > 0 && list.slice(0, base).some((s) => s.kind !== 'build')) {
    throw new PlanError(t.def.name, whereOf(list[base].loc, where), `${list[base].kind}() must be the first step`);
  }
  if (list.filter((s) => s.kind === 'from' || s.kind === 'bootstrap').length > 1) {
    throw new PlanError(t.def.name, where, 'only one from() or bootstrap() per target; split the target in two and use from(+other)');
  }
  return list;
}

export interface BuildGraphOptions {
  /** Check copy() context sources exist inside their context (default true). */
  checkContext?: boolean;
  /** Where remote targets are cloned and which lock pins them (default: <root>/cache, <root>/kairos-pipe.lock). */
  remote?: RemoteOptions;
}

/** Remote instances are labelled by repository and commit: `github.com/o/r@<commit:12>+name(A=1)`. */
function labelOf(t: LoadedTarget, args: Record<string, unknown>): string {
  const label = instanceLabel(t, args, defaultsOf(t));
  const origin = remoteOriginOf(t.project);
  if (!origin) return label;
  const prefix = t.project.root === process.cwd() ? '' : `./${relative(process.cwd(), t.project.root)}`;
  return `${origin.display}${label.slice(prefix.length)}`;
}

/**
 * copy() sources outside the build context or missing are bad input: report them
 * while building the graph, before any step runs or anything is written to the
 * cache, as args and target names are. (copy() checks again when it hashes.)
 */
async function checkContextSources(inst: TargetInstance): Promise<void> {
  for (const step of inst.steps) {
    if (step.kind !== 'copy') continue;
    for (const src of step.sources) {
      if (src.type === 'context') await resolveContextPath(inst.target.context, src.path, whereOf(step.loc, inst.label));
    }
  }
}

export async function buildGraph(project: Project, roots: Array<{ ref: string; args: Record<string, unknown> }>, opts: BuildGraphOptions = {}): Promise<BuildGraph> {
  const graph = new Graph({ directed: true });
  const instances = new Map<string, TargetInstance>();
  const rootIds: string[] = [];
  const remote = opts.remote ?? { cacheDir: resolve(project.root, 'cache'), lockRoot: project.root };

  async function visit(t: LoadedTarget, rawArgs: Record<string, unknown>): Promise<string> {
    const args = validateArgs(t.def, rawArgs);
    const id = instanceId(t, args);
    if (instances.has(id)) return id;
    const steps = await planOf(t, args);
    const inst: TargetInstance = { id, target: t, args, steps, deps: [], label: labelOf(t, args) };
    instances.set(id, inst);
    graph.setNode(id, inst.label);
    if (opts.checkContext !== false) await checkContextSources(inst);
    for (const r of refsOf(steps)) {
      const where = whereOf(steps[r.stepIndex].loc, inst.label);
      const dep = await resolveTarget(t.project, r.ref.ref, where, remote);
      const depId = await visit(dep, r.ref.args);
      inst.deps.push({ kind: r.kind, instanceId: depId, stepIndex: r.stepIndex } satisfies Dependency);
      graph.setEdge(id, depId, r.kind);
    }
    return id;
  }

  for (const r of roots) rootIds.push(await visit(await resolveTarget(project, r.ref, undefined, remote), r.args));
  const cycles = alg.findCycles(graph);
  if (cycles.length) throw cycleError(cycles[0], instances);
  return { graph, instances, roots: rootIds };
}

function cycleError(scc: string[], instances: Map<string, TargetInstance>): CycleError {
  // graphlib's findCycles returns strongly connected components, whose node order is
  // not an edge order (and a component can hold several cycles). Walk real edges
  // instead: the shortest cycle through the member reached first from the roots.
  const members = new Set(scc);
  const start = [...instances.keys()].find((id) => members.has(id))!;
  const ordered = shortestCycle(start, members, instances);
  const labels = ordered.map((id) => instances.get(id)!.label);
  const locs = ordered.map((id, i) => {
    const inst = instances.get(id)!;
    const next = ordered[(i + 1) % ordered.length];
    const dep = inst.deps.find((d) => d.instanceId === next);
    return `${inst.label} -> ${instances.get(next)!.label} at ${whereOf(dep ? inst.steps[dep.stepIndex].loc : inst.target.def.loc, inst.target.file)}`;
  });
  return new CycleError([...labels, labels[0]], locs);
}

/** Breadth-first from `start` along dependency edges inside `members`, back to `start`. */
function shortestCycle(start: string, members: Set<string>, instances: Map<string, TargetInstance>): string[] {
  const prev = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    for (const d of instances.get(id)!.deps) {
      if (d.instanceId === start) {
        const path = [id];
        while (path[0] !== start) path.unshift(prev.get(path[0])!);
        return path;
      }
      if (!members.has(d.instanceId) || prev.has(d.instanceId) || d.instanceId === start) continue;
      prev.set(d.instanceId, id);
      queue.push(d.instanceId);
    }
  }
  return [start]; // unreachable for a strongly connected component
}
