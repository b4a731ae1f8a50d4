// fatImage(): builds a FAT image from files of the filesystem with our own FAT
// writer and adds it at `dest` as a one-file layer.
import { promises as fs } from 'node:fs';
import type { FatImageStep } from '../../dsl/steps/fat-image.js';
import { writeFatImage } from '../../writers/fat/index.js';
import { flatView, relPath } from '../fs-view.js';
import { resolveInView } from './artifact-io.js';
import { PathNotFoundError } from '../../errors/index.js';
import { layerOfFile } from './single-file-layer.js';
import { fixedMtime } from '../../oci/layer/entry.js';
import { noInputs, type StepImpl } from './types.js';

export const fatImageStep: StepImpl<FatImageStep> = {
  changesFs: true,
  inputs: noInputs,
  async execute(step, state, ctx) {
    const view = await flatView(ctx.store, state!);
    const files = [];
    for (const [inImage, fsPath] of Object.entries(step.files).sort()) {
      const e = resolveInView(view, relPath(fsPath));
      if (!e || e.entry.type !== 'file') throw new PathNotFoundError(fsPath, ctx.inst.target.def.name, ctx.where);
      const data = Buffer.alloc(e.entry.size);
      const fh = await fs.open(e.blob, 'r');
      try {
        await fh.read(data, 0, e.entry.size, e.offset);
      } finally {
        await fh.close();
      }
      files.push({ path: inImage, data });
    }
    const tmp = ctx.store.tmpPath('fat');
    try {
      await writeFatImage({ label: step.label, files, sizeBytes: step.sizeBytes, sourceDateEpoch: fixedMtime() }, tmp);
      const layer = await layerOfFile(ctx.store, view, tmp, relPath(step.dest), ctx.signal);
      return { state: { layers: [...state!.layers, layer], config: state!.config } };
    } finally {
      await fs.rm(tmp, { force: true });
    }
  },
  describe(step) {
    return `${step.label} -> ${step.dest}`;
  },
};
