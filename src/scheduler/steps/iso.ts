// iso(): a folder of the filesystem written as a bootable ISO by our own writer.
// The writer gets the folder as an entry list whose files are read in place from
// the layer tars of the state (a path and an offset: the layers in the store are
// uncompressed), so nothing is copied out or hashed first. The image is stored as
// a blob, and a `<as>.sha256` file goes beside it.
import { promises as fs } from 'node:fs';
import { basename } from 'node:path';
import type { IsoStep } from '../../dsl/steps/iso.js';
import { writeIso, type IsoEntry } from '../../writers/iso/index.js';
import { flatView, relPath, type FlatView } from '../fs-view.js';
import { materialize, subtree } from '../../oci/layer/materialize.js';
import { resolveInView } from './artifact-io.js';
import { PathNotFoundError } from '../../errors/index.js';
import { fixedMtime } from '../../oci/layer/entry.js';
import type { FlatEntry } from '../../oci/layer/flatten.js';
import { noInputs, type StepImpl } from './types.js';

/** Where a file's bytes are: its layer tar and their offset in it. */
const bytesOf = (f: FlatEntry) => ({ size: f.entry.size, ...(f.entry.size ? { hostPath: f.blob, hostOffset: f.offset } : {}) });

/** The folder `root` of the view as ISO entries (devices and fifos left out, as before). */
export function isoEntries(view: FlatView, root: string): IsoEntry[] {
  const top = root ? view.byPath.get(root)!.entry : undefined;
  const out: IsoEntry[] = [
    top ? { path: '', type: 'dir', mode: top.mode, uid: top.uid, gid: top.gid, mtime: top.mtime } : { path: '', type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: fixedMtime() },
  ];
  const entries = subtree(view.entries, root);
  const inTree = new Set(entries.map((f) => f.entry.path));
  for (const f of entries) {
    const e = f.entry;
    const attrs = { path: e.path, mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime };
    switch (e.type) {
      case 'directory':
        out.push({ ...attrs, type: 'dir' });
        break;
      case 'symlink':
        out.push({ ...attrs, type: 'symlink', mode: 0o777, linkTarget: e.linkname ?? '' });
        break;
      case 'file':
        out.push({ ...attrs, type: 'file', ...bytesOf(f) });
        break;
      case 'link': {
        const to = e.linkname ?? '';
        // subtree() re-roots only link targets inside the folder.
        const original = root ? (view.byPath.get(`${root}/${e.path}`)?.entry.linkname ?? '') : to;
        if ((!root || original.startsWith(`${root}/`)) && inTree.has(to)) {
          out.push({ ...attrs, type: 'file', hardlinkTo: to });
          break;
        }
        // A hardlink to a file outside the folder: its own copy of the bytes.
        const target = resolveInView(view, root ? `${root}/${e.path}` : e.path);
        if (target?.entry.type !== 'file') break;
        const t = target.entry;
        out.push({ ...attrs, mode: t.mode, uid: t.uid, gid: t.gid, mtime: t.mtime, type: 'file', ...bytesOf(target) });
        break;
      }
      default:
      // devices and fifos are not needed on a boot medium
    }
  }
  return out;
}

export const isoStep: StepImpl<IsoStep> = {
  changesFs: false,
  inputs: noInputs,
  async execute(step, state, ctx) {
    const view = await flatView(ctx.store, state!);
    const root = relPath(step.root);
    if (root && view.byPath.get(root)?.entry.type !== 'directory') throw new PathNotFoundError(step.root, ctx.inst.target.def.name, ctx.where);
    const out = ctx.store.tmpPath('iso');
    const mbr = ctx.store.tmpPath('mbr');
    try {
      const entries = isoEntries(view, root);
      let hybridMbr: string | undefined;
      if (step.boot?.hybridMbr) {
        const e = resolveInView(view, relPath(step.boot.hybridMbr));
        if (!e || e.entry.type !== 'file') throw new PathNotFoundError(step.boot.hybridMbr, ctx.inst.target.def.name, ctx.where);
        await materialize([{ ...e, entry: { ...e.entry, path: 'mbr.img' } }], mbr, ctx.signal);
        hybridMbr = `${mbr}/mbr.img`;
      }
      const { sha256 } = await writeIso({ entries }, out, {
        volumeId: step.volid,
        sourceDateEpoch: fixedMtime(),
        signal: ctx.signal,
        boot: step.boot
          ? { bios: step.boot.bios, efi: step.boot.efi ? { image: step.boot.efi.image, appendAsPartition: Boolean(hybridMbr) } : undefined, catalog: step.boot.catalog, hybridMbr }
          : undefined,
      });
      const digest = `sha256:${sha256.replace(/^sha256:/, '')}` as const;
      const iso = await ctx.store.putFile(out, digest);
      const sum = await ctx.store.putBuffer(`${digest.slice(7)}  ${basename(step.as)}\n`);
      return {
        outputs: {
          iso: { mediaType: 'application/vnd.efi.iso', digest: iso.digest, size: iso.size },
          sha256: { mediaType: 'text/plain', digest: sum.digest, size: sum.size },
        },
      };
    } finally {
      await Promise.all([out, mbr].map((p) => fs.rm(p, { recursive: true, force: true })));
    }
  },
  describe(step) {
    return `${step.volid} from ${step.root} -> ${step.as}`;
  },
};
