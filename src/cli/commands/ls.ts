// `kairos-pipe ls`: targets with their doc and typed args.
import { relative } from 'node:path';
import { loadProject } from '../../load/project.js';
import { argsInfo } from '../../graph/zod-introspect.js';
import type { CliIO } from '../io.js';
import { projectDir, type GlobalOpts } from './common.js';

export async function lsCommand(o: GlobalOpts & { json?: boolean }, io: CliIO): Promise<number> {
  const project = await loadProject(projectDir(o));
  const targets = [...project.targets.values()].sort((a, b) => a.def.name.localeCompare(b.def.name));
  if (o.json) {
    io.out(`${JSON.stringify(targets.map((t) => ({ name: t.def.name, doc: t.def.doc ?? '', file: relative(project.root, t.file), args: argsInfo(t.def.args) })), null, 2)}\n`);
    return 0;
  }
  for (const t of targets) {
    io.out(`+${t.def.name}${t.def.doc ? `  ${t.def.doc}` : ''}\n`);
    for (const a of argsInfo(t.def.args)) {
      const parts = [a.type];
      if (a.values) parts.push(`one of: ${a.values.join(', ')}`);
      if (a.default !== undefined) parts.push(`default: ${JSON.stringify(a.default)}`);
      else if (!a.optional) parts.push('required');
      io.out(`    ${a.name}  (${parts.join('; ')})${a.description ? `  ${a.description}` : ''}\n`);
    }
  }
  return 0;
}
