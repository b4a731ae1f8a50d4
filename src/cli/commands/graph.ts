// `kairos-pipe graph +target [ARGS]`: the DAG as text, Graphviz dot or JSON.
import { loadProject } from '../../load/project.js';
import { buildGraph, type BuildGraph } from '../../graph/build-graph.js';
import { splitCliArgs } from '../../graph/args.js';
import type { CliIO } from '../io.js';
import { UsageError } from '../io.js';
import { cacheDir, projectDir, type GlobalOpts } from './common.js';
import type { Step } from '../../dsl/steps/index.js';

function oneLine(cmd: string): string {
  const lines = cmd.split('\n');
  const first = lines[0].length > 100 ? `${lines[0].slice(0, 97)}...` : lines[0];
  return lines.length > 1 ? `${first} (+${lines.length - 1} lines)` : first;
}

function stepText(s: Step): string {
  switch (s.kind) {
    case 'from':
      return `from ${s.source.type === 'image' ? s.source.ref : s.source.type === 'target' ? s.source.ref : s.source.type === 'dockerfile' ? s.source.path : 'scratch'}`;
    case 'copy':
      return `copy ${s.sources.map((x) => (x.type === 'artifact' ? `${x.ref}/${x.path}` : x.type === 'context' ? x.path : `${x.stage}/${x.path}`)).join(' ')} -> ${s.dest}`;
    case 'run':
      return `run ${oneLine(Array.isArray(s.command) ? JSON.stringify(s.command) : s.command)}`;
    case 'fatImage':
      return `fatImage ${s.label} -> ${s.dest}`;
    case 'iso':
      return `iso ${s.volid} from ${s.root} -> ${s.as}`;
    case 'squashfs':
      return `squashfs ${s.src} -> ${s.as} (in ${s.tools.ref})`;
    case 'config':
      return `config ${JSON.stringify(s.set)}`;
    case 'bootstrap':
      return `bootstrap ${s.distro} ${s.suite}${s.mirror ? ` from ${s.mirror}` : ''}`;
    case 'build':
      return `build ${s.target.ref}`;
    case 'saveArtifact':
      return `saveArtifact ${s.path} as ${s.as}`;
    case 'saveImage':
      return `saveImage ${s.name}`;
    default:
      return `${s.kind} ${'as' in s ? String(s.as) : ''}`;
  }
}

function text(g: BuildGraph): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  const walk = (id: string, depth: number, edge: string) => {
    const inst = g.instances.get(id)!;
    const pad = '  '.repeat(depth);
    lines.push(`${pad}${edge}${inst.label}${seen.has(id) ? ' (see above)' : ''}`);
    if (seen.has(id)) return;
    seen.add(id);
    const args = Object.entries(inst.args).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${String(v)}`);
    if (args.length) lines.push(`${pad}    args: ${args.join(' ')}`);
    for (const s of inst.steps) lines.push(`${pad}    - ${stepText(s)}`);
    for (const d of inst.deps) walk(d.instanceId, depth + 1, `${d.kind}: `);
  };
  for (const r of g.roots) walk(r, 0, '');
  return `${lines.join('\n')}\n`;
}

function dot(g: BuildGraph): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = ['digraph kairos_pipe {', '  rankdir=LR;'];
  for (const inst of g.instances.values()) lines.push(`  ${q(inst.id)} [label=${q(inst.label)}];`);
  for (const inst of g.instances.values()) for (const d of inst.deps) lines.push(`  ${q(inst.id)} -> ${q(d.instanceId)} [label=${q(d.kind)}];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function json(g: BuildGraph): string {
  return `${JSON.stringify(
    {
      roots: g.roots,
      nodes: [...g.instances.values()].map((i) => ({ id: i.id, label: i.label, target: i.target.def.name, args: i.args, steps: i.steps.map((s) => ({ ...s, text: stepText(s) })), deps: i.deps })),
    },
    null,
    2,
  )}\n`;
}

export async function graphCommand(tokens: string[], o: GlobalOpts & { dot?: boolean; json?: boolean }, io: CliIO): Promise<number> {
  const { refs, args } = splitCliArgs(tokens);
  if (!refs.length) throw new UsageError('no target given', 'Example: kairos-pipe graph +iso FLAVOR=ubuntu');
  const project = await loadProject(projectDir(o));
  const g = await buildGraph(project, refs.map((ref) => ({ ref, args })), { remote: { cacheDir: cacheDir(o, process.env), lockRoot: project.root } });
  io.out(o.json ? json(g) : o.dot ? dot(g) : text(g));
  return 0;
}
