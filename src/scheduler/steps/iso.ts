// iso(): a folder of the filesystem written as a bootable ISO by our own writer.
// The folder is materialized in the cache's tmp/ (the writer reads a real tree),
// the image is stored as a blob, and a `<as>.sha256` file goes beside it.
import { promises as fs } from 'node:fs';
import { basename } from 'node:path';
import type { IsoStep } from '../../dsl/steps/iso.js';
import { writeIso } from '../../writers/iso/index.js';
import { flatView, relPath } from '../fs-view.js';
import { materialize, subtree } from '../../oci/layer/materialize.js';
import { resolveInView } from './artifact-io.js';
import { PathNotFoundError } from '../../errors/index.js';
import { fixedMtime } from '../../oci/layer/entry.js';
import { noInputs, type StepImpl } from './types.js';

export const isoStep: StepImpl<IsoStep> = {
  changesFs: false,
  inputs: noInputs,
  async execute(step, state, ctx) {
    const view = await flatView(ctx.store, state!);
    const root = relPath(step.root);
    if (root && view.byPath.get(root)?.entry.type !== 'directory') throw new PathNotFoundError(step.root, ctx.inst.target.def.name, ctx.where);
    const dir = ctx.store.tmpPath('iso-tree');
    const out = ctx.store.tmpPath('iso');
    const mbr = ctx.store.tmpPath('mbr');
    try {
      await materialize(subtree(view.entries, root), dir, ctx.signal);
      let hybridMbr: string | undefined;
      if (step.boot?.hybridMbr) {
        const e = resolveInView(view, relPath(step.boot.hybridMbr));
        if (!e || e.entry.type !== 'file') throw new PathNotFoundError(step.boot.hybridMbr, ctx.inst.target.def.name, ctx.where);
        await materialize([{ ...e, entry: { ...e.entry, path: 'mbr.img' } }], mbr, ctx.signal);
        hybridMbr = `${mbr}/mbr.img`;
      }
      const { sha256 } = await writeIso({ dir }, out, {
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
      await Promise.all([dir, out, mbr].map((p) => fs.rm(p, { recursive: true, force: true })));
    }
  },
  describe(step) {
    return `${step.volid} from ${step.root} -> ${step.as}`;
  },
};
