// The streaming emit: walks the layout in ascending block order and writes each piece
// (system area, descriptors, catalog, metadata regions, file contents, appended ESP, GPT
// tail) to the sink. Memory stays bounded: one folder extent or one read buffer at a time.
import { type Extent, type Rec, renderDirectory, SECTION_MAX } from './directory-record.js';
import { BLOCK, type DescriptorSet, type Layout, type TreePlan } from './layout.js';
import { renderPathTable } from './path-table.js';
import { renderCeArea } from './rock-ridge.js';
import type { ImageSink } from './sink.js';
import type { Content } from './tree.js';
import { bootRecordDescriptor, jolietDescriptor, primaryDescriptor, terminatorDescriptor, type VolumeInfo } from './volume-descriptor.js';

export interface EmitParts {
  volume: VolumeInfo;
  systemArea?: Buffer;
  catalog?: Buffer;
  gptTail?: Buffer;
}

const padded = (b: Buffer) => (b.length % BLOCK === 0 ? b : Buffer.concat([b, Buffer.alloc(BLOCK - (b.length % BLOCK))]));

function extentOf(r: Rec, tree: TreePlan, set: DescriptorSet, lbaOfBlock: (b: number) => number): Extent {
  const t = r.target;
  if (t.type === 'dir') {
    const d = tree.byNode.get(t)!;
    return { lba: lbaOfBlock(d.block), size: d.size };
  }
  if (t.content && t.content.size > 0) {
    return { lba: t.content.lba - set.bias + r.section * (SECTION_MAX / BLOCK), size: r.sectionSize };
  }
  return { lba: 0, size: 0 };
}

async function emitRegion(sink: ImageSink, layout: Layout, set: DescriptorSet): Promise<void> {
  const base = set.regionStart - set.bias;
  const lbaOfBlock = (b: number) => base + b;
  await sink.padTo(set.regionStart * BLOCK);
  await sink.write(padded(renderPathTable(layout.iso, false, lbaOfBlock)));
  await sink.write(padded(renderPathTable(layout.iso, true, lbaOfBlock)));
  await sink.write(padded(renderPathTable(layout.joliet, false, lbaOfBlock)));
  await sink.write(padded(renderPathTable(layout.joliet, true, lbaOfBlock)));
  // one scratch extent, grown as needed, instead of a fresh buffer per folder
  let scratch = Buffer.alloc(BLOCK * 8);
  for (const tree of [layout.iso, layout.joliet]) {
    const extent = (r: Rec) => extentOf(r, tree, set, lbaOfBlock);
    for (const d of tree.dirs) {
      await sink.padTo((set.regionStart + d.block) * BLOCK);
      if (scratch.length < d.size) scratch = Buffer.alloc(d.size);
      const buf = scratch.subarray(0, d.size).fill(0);
      renderDirectory(buf, d.node, d, extent, base);
      await sink.write(buf);
    }
  }
  let i = 0;
  for (let block = layout.ceStart; block < layout.regionBlocks; block++) {
    const buf = Buffer.alloc(BLOCK);
    for (; i < layout.ceAreas.length && layout.ceAreas[i].block === block; i++) renderCeArea(layout.ceAreas[i], buf, base);
    await sink.padTo((set.regionStart + block) * BLOCK);
    await sink.write(buf);
  }
}

async function emitContent(sink: ImageSink, c: Content): Promise<void> {
  if (c.patched) await sink.write(c.patched);
  else if (c.data) await sink.write(c.data.subarray(0, c.size));
  else if (c.hostPath) await sink.copyFile(c.hostPath, c.size, c.hostOffset);
  else await sink.zeros(c.size);
  if (c.data && c.data.length < c.size) await sink.zeros(c.size - c.data.length);
}

export async function emitImage(sink: ImageSink, layout: Layout, parts: EmitParts): Promise<void> {
  if (parts.systemArea) await sink.write(parts.systemArea);
  for (const set of layout.sets) {
    await sink.padTo(set.vdStart * BLOCK);
    const t = (tree: TreePlan, l: number, m: number) => {
      const root = tree.dirs[0];
      const base = set.regionStart - set.bias;
      return {
        volumeBlocks: set.volumeBlocks, pathTableSize: tree.pathTableSize, lTableLba: base + l, mTableLba: base + m,
        rootLba: base + root.block, rootSize: root.size, rootMtime: root.node.mtime,
      };
    };
    await sink.write(primaryDescriptor(parts.volume, t(layout.iso, layout.pt.isoL, layout.pt.isoM)));
    if (set.bootRecord && layout.catalogLba !== undefined) await sink.write(bootRecordDescriptor(layout.catalogLba));
    await sink.write(jolietDescriptor(parts.volume, t(layout.joliet, layout.pt.jolL, layout.pt.jolM)));
    await sink.write(terminatorDescriptor());
  }
  if (layout.catalogLba !== undefined && parts.catalog) {
    await sink.padTo(layout.catalogLba * BLOCK);
    await sink.write(parts.catalog);
  }
  for (const set of layout.sets) await emitRegion(sink, layout, set);
  for (const c of layout.contents) {
    if (c.size === 0) continue;
    await sink.padTo(c.lba * BLOCK);
    await emitContent(sink, c);
  }
  if (layout.appended) {
    await sink.padTo(layout.appended.lba * BLOCK);
    await emitContent(sink, layout.appended.content);
  }
  const end = layout.totalBlocks * BLOCK;
  if (parts.gptTail) {
    await sink.padTo(end - parts.gptTail.length);
    await sink.write(parts.gptTail);
  }
  await sink.padTo(end);
}
