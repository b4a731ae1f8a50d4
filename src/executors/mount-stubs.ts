// Keeps mount points out of layers. Runtimes create a file or directory for
// each mount target that does not exist yet (and copy its parents into the
// container's upper dir); those are the runtime's, not the command's. Both
// executors probe the targets before running and prune after, so a step gives
// the same layer whichever runs it, and cache/secret mounts never leak in.
import type { WritableEntry } from '../oci/layer/writer.js';
import { resolveInRoot, type LowerInfo, type LowerView } from './lower-view.js';

export interface MountProbe {
  /** Resolved relative mount targets. */
  targets: string[];
  /** Lower state of every target and each of its ancestors (undefined = absent). */
  lower: Map<string, LowerInfo | undefined>;
}

export async function probeMounts(view: LowerView, destinations: string[]): Promise<MountProbe> {
  const targets: string[] = [];
  const lower = new Map<string, LowerInfo | undefined>();
  for (const d of destinations) {
    const t = await resolveInRoot(view, d);
    if (!t) continue;
    targets.push(t);
    let cur = '';
    for (const part of t.split('/')) {
      cur = cur ? `${cur}/${part}` : part;
      if (!lower.has(cur)) lower.set(cur, await view.lstat(cur));
    }
  }
  return { targets, lower };
}

function under(path: string, dir: string): boolean {
  return path.startsWith(`${dir}/`);
}

/** Removes runtime-made mount stubs (and parents copied up only for them) from sorted entries. */
export function pruneMountStubs(entries: WritableEntry[], probe: MountProbe): WritableEntry[] {
  if (!probe.targets.length) return entries;
  const targets = new Set(probe.targets);
  const keep: boolean[] = new Array(entries.length).fill(true);
  const hasKeptChild = new Set<string>();
  // Children sort after their parents, so walking backwards sees them first.
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i].entry;
    const p = e.path;
    let drop = probe.targets.some((t) => under(p, t));
    if (!drop && probe.lower.has(p) && !hasKeptChild.has(p)) {
      const lower = probe.lower.get(p);
      if (targets.has(p)) drop = true;
      else if (!lower) drop = e.type === 'directory';
      else drop = e.type === 'directory' && lower.type === 'directory' && lower.mode === e.mode && lower.uid === e.uid && lower.gid === e.gid;
    }
    keep[i] = !drop;
    if (!drop) {
      const slash = p.lastIndexOf('/');
      if (slash !== -1) hasKeptChild.add(p.slice(0, slash));
    }
  }
  return entries.filter((_, i) => keep[i]);
}
