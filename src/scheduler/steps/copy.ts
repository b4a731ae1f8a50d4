// copy(): context files or another target's artifact become one new layer.
// Docker's rules: `dir` copies the folder's contents; a file into `dest/` keeps
// its name; parents that do not exist yet are created 0755 root.
import { posix } from 'node:path';
import type { CopyStep, CopySource } from '../../dsl/steps/copy.js';
import { hashContextSource, resolveContextPath, contextKeyInput, type ContextFile } from '../../cache/context-hash.js';
import type { StepContext, ArtifactDesc } from '../context.js';
import type { StepImpl } from './types.js';
import type { WritableEntry } from '../../oci/layer/writer.js';
import { writeLayerTar } from '../../oci/layer/writer.js';
import { comparePaths, fixedMtime, type LayerEntry } from '../../oci/layer/entry.js';
import { flatView, relPath } from '../fs-view.js';
import { artifactEntries, resolveInView } from './artifact-io.js';
import { ArtifactNotFoundError, PathNotFoundError } from '../../errors/index.js';
import { subtree } from '../../oci/layer/materialize.js';
import { MEDIA } from '../../oci/types.js';

interface Resolved {
  source: CopySource;
  files?: ContextFile[];
  artifact?: ArtifactDesc;
  stageEntries?: WritableEntry[];
  stageKey?: string;
  isDir: boolean;
  name: string;
}

function artifactOf(ctx: StepContext, step: CopyStep, nth: number, path: string): ArtifactDesc {
  const dep = ctx.depOfStep(ctx.inst.steps.indexOf(step), nth);
  const key = relPath(path);
  const a = dep.artifacts.get(key);
  const label = (step.sources[nth] as { ref: string }).ref.replace(/^.*\+/, '');
  if (!a) throw new ArtifactNotFoundError(label, key, [...dep.artifacts.keys()], ctx.where);
  return a;
}

async function resolveSources(step: CopyStep, ctx: StepContext): Promise<Resolved[]> {
  const out: Resolved[] = [];
  let nthArtifact = 0;
  for (const s of step.sources) {
    if (s.type === 'context') {
      const abs = await resolveContextPath(ctx.inst.target.context, s.path, ctx.where);
      const files = await hashContextSource(abs, ctx.statIndex, ctx.signal);
      const isDir = files.length === 0 || files[0].rel !== '';
      out.push({ source: s, files, isDir, name: posix.basename(relPath(s.path)) });
    } else if (s.type === 'artifact') {
      const a = artifactOf(ctx, step, nthArtifact++, s.path);
      out.push({ source: s, artifact: a, isDir: a.annotations['kairos-pipe.kind'] === 'tree', name: posix.basename(relPath(s.path)) });
    } else {
      // COPY --from=<stage>: read straight from that stage's filesystem.
      const dep = ctx.depOfStep(ctx.inst.steps.indexOf(step), nthArtifact++);
      const view = await flatView(ctx.store, dep.state);
      const root = relPath(s.path);
      const hit = resolveInView(view, root);
      if (!hit) throw new PathNotFoundError(s.path, s.stage, ctx.where);
      const isDir = hit.entry.type === 'directory';
      const entries: WritableEntry[] = isDir
        ? subtree(view.entries, hit.entry.path).map((f) => ({ entry: f.entry, content: f.entry.type === 'file' ? { file: f.blob, start: f.offset } : undefined }))
        : [{ entry: { ...hit.entry, path: '' }, content: hit.entry.type === 'file' ? { file: hit.blob, start: hit.offset } : undefined }];
      out.push({ source: s, stageEntries: entries, stageKey: `${dep.fsKey}:${root}`, isDir, name: posix.basename(root) });
    }
  }
  return out;
}

export const copyStep: StepImpl<CopyStep> = {
  changesFs: true,
  async inputs(step, ctx) {
    const resolved = await resolveSources(step, ctx);
    return {
      sources: resolved.map((r) =>
        r.files ? { files: contextKeyInput(r.files) } : r.stageKey ? { stage: r.stageKey } : { artifact: r.artifact!.digest, kind: r.artifact!.annotations['kairos-pipe.kind'] },
      ),
    };
  },
  async execute(step, state, ctx) {
    const resolved = await resolveSources(step, ctx);
    const view = await flatView(ctx.store, state!);
    const mtime = fixedMtime();
    const [uid, gid] = step.chown ? step.chown.split(':').map(Number) : [0, 0];
    const own = (e: LayerEntry): LayerEntry => ({
      ...e,
      uid: step.chown ? uid : e.uid,
      gid: step.chown ? (gid ?? uid) : e.gid,
      mode: step.chmod && e.type !== 'symlink' ? parseInt(step.chmod, 8) : e.mode,
      mtime,
    });
    const destIsDir = step.dest.endsWith('/') || step.sources.length > 1;
    const dest = relPath(step.dest);
    const items = new Map<string, WritableEntry>();
    for (const r of resolved) {
      // Where this source's root lands: a folder's contents go into dest; a file goes to dest or dest/name.
      const root = r.isDir ? dest : destIsDir ? posix.join(dest, r.name) : dest;
      const entries: WritableEntry[] = r.files
        ? r.files.map((f) => ({
            entry: { path: f.rel, type: f.type, mode: f.mode, uid: 0, gid: 0, size: f.size, mtime, linkname: f.linkname },
            content: f.type === 'file' ? { file: f.abs } : undefined,
          }))
        : (r.stageEntries ?? (await artifactEntries(ctx.store, r.artifact!)));
      for (const w of entries) {
        const path = w.entry.path === '' ? root : root ? `${root}/${w.entry.path}` : w.entry.path;
        if (!path) continue;
        const linkname = w.entry.type === 'link' && w.entry.linkname !== undefined ? (root ? `${root}/${w.entry.linkname}` : w.entry.linkname) : w.entry.linkname;
        items.set(path, { entry: own({ ...w.entry, path, linkname }), content: w.content });
      }
    }
    // Parent folders missing from the lower layers are created; existing ones keep their metadata.
    for (const p of [...items.keys()]) {
      for (let d = posix.dirname(p); d !== '.' && d !== ''; d = posix.dirname(d)) {
        if (items.has(d) || view.byPath.has(d)) continue;
        items.set(d, { entry: { path: d, type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtime } });
      }
    }
    const sorted = [...items.values()].sort((a, b) => comparePaths(a.entry.path, b.entry.path));
    const tmp = ctx.store.tmpPath('layer');
    const { digest, size } = await writeLayerTar(sorted, tmp, ctx.signal);
    await ctx.store.putFile(tmp, digest);
    const layer = { mediaType: MEDIA.layerTar, digest, size, diffId: digest };
    return { state: { layers: [...state!.layers, layer], config: { ...state!.config } } };
  },
  describe(step) {
    return `${step.sources.map((s) => (s.type === 'context' ? s.path : s.type === 'artifact' ? `${s.ref}/${s.path}` : `${s.stage}/${s.path}`)).join(' ')} -> ${step.dest}`;
  },
};
