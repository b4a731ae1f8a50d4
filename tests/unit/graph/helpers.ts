// Builds an in-memory Project from target definitions, so graph tests need no files.
import { fileURLToPath } from 'node:url';
import type { TargetDef } from '../../../src/dsl/target.js';
import type { Project } from '../../../src/load/project.js';

const HERE = fileURLToPath(import.meta.url);

export function projectOf(defs: TargetDef[], root = process.cwd()): Project {
  const project: Project = { root, targets: new Map() };
  for (const def of defs) project.targets.set(def.name, { def, file: def.loc?.file ?? HERE, context: root, project });
  return project;
}
