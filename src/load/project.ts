// Finds and imports a project's target modules (targets/*.ts) and indexes their
// exported targets by name. Importing is the only thing done here: no planning.
import { promises as fs } from 'node:fs';
import { join, resolve, dirname, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isTargetDef, type TargetDef } from '../dsl/target.js';
import { noteInput } from '../cache/journal/input-log.js';
import { DuplicateTargetError, NoTargetsError, TargetLoadError } from '../errors/index.js';
import { requireTs, tsRequireReady } from './ts-require.js';

export interface LoadedTarget {
  def: TargetDef;
  /** Absolute path of the module that exports it. */
  file: string;
  /** Absolute build context: what copy() sources are relative to and confined to. */
  context: string;
  project: Project;
}

export interface Project {
  root: string;
  targets: Map<string, LoadedTarget>;
}

const cache = new Map<string, Promise<Project>>();

/** Loads the project at `root` once per process. */
export function loadProject(root: string): Promise<Project> {
  const abs = resolve(root);
  let p = cache.get(abs);
  if (!p) {
    p = doLoad(abs);
    cache.set(abs, p);
    p.catch(() => cache.delete(abs));
  }
  return p;
}

async function targetFiles(root: string): Promise<string[]> {
  const dir = (await isDir(join(root, 'targets'))) ? join(root, 'targets') : root;
  // Adding or removing a target module changes the project; so does creating targets/.
  noteInput(join(root, 'targets'));
  noteInput(dir);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => /\.(ts|mts)$/.test(n) && !n.endsWith('.d.ts') && !/\.test\.ts$/.test(n)).sort().map((n) => join(dir, n));
}

async function isDir(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

/** Registers bin/'s TypeScript loader hooks if the CLI has not yet (see bin/kairos-pipe.js). */
function ensureTsHooks(): void {
  (globalThis as Record<symbol, (() => void) | undefined>)[Symbol.for('kairos-pipe.hooks')]?.();
}

function loadError(file: string, e: unknown): TargetLoadError {
  return new TargetLoadError(relative(process.cwd(), file) || file, describeLoadError(e), e);
}

/**
 * Every target module through the CommonJS path (src/load/ts-require.ts), or
 * undefined when one needs ESM: then all of them are imported as ESM, so no
 * module is loaded twice (once each way, as two instances).
 */
function requireAll(files: string[]): Array<Record<string, unknown>> | undefined {
  const mods: Array<Record<string, unknown>> = [];
  for (const file of files) {
    let mod: Record<string, unknown> | undefined;
    try {
      mod = requireTs(file);
    } catch (e) {
      throw loadError(file, e);
    }
    if (!mod) return undefined;
    mods.push(mod);
  }
  return mods;
}

async function importAll(files: string[]): Promise<Array<Record<string, unknown>>> {
  ensureTsHooks();
  const mods: Array<Record<string, unknown>> = [];
  for (const file of files) {
    try {
      mods.push((await import(pathToFileURL(file).href)) as Record<string, unknown>);
    } catch (e) {
      throw loadError(file, e);
    }
  }
  return mods;
}

async function doLoad(root: string): Promise<Project> {
  const project: Project = { root, targets: new Map() };
  const files = await targetFiles(root);
  const mods = (files.length && (await tsRequireReady()) ? requireAll(files) : undefined) ?? (await importAll(files));
  files.forEach((file, i) => {
    for (const value of Object.values(mods[i])) {
      if (!isTargetDef(value)) continue;
      // A target re-exported by another module is the same object: count it once.
      const defFile = value.loc?.file && value.loc.file.startsWith(root) ? value.loc.file : file;
      const existing = project.targets.get(value.name);
      if (existing && existing.def !== value) throw new DuplicateTargetError(value.name, [existing.file, defFile]);
      if (existing) continue;
      project.targets.set(value.name, { def: value, file: defFile, context: resolve(dirname(defFile), value.context ?? '.'), project });
    }
  });
  if (project.targets.size === 0) throw new NoTargetsError(root);
  return project;
}

function describeLoadError(e: unknown): string {
  const err = e as Error & { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } }> };
  if (Array.isArray(err.errors) && err.errors.length) {
    return err.errors.map((x) => `${x.location ? `${x.location.file}:${x.location.line}:${x.location.column}: ` : ''}${x.text}`).join('; ');
  }
  const frame = /\n\s+at .*?\(?(\/[^():]+\.ts):(\d+):(\d+)/.exec(err.stack ?? '');
  return `${err.message ?? String(e)}${frame ? ` (at ${frame[1]}:${frame[2]})` : ''}`;
}
