// ECMA-119 9.4 path tables (type L little-endian, type M big-endian) of one tree.
// Folder order (depth, parent number, identifier) comes from the layout's breadth-first plan.
import type { TreePlan } from './layout.js';
import { writeId } from './names.js';

/** Renders a path table; `lbaOf` maps a region-relative folder block to the LBA written. */
export function renderPathTable(tree: TreePlan, bigEndian: boolean, lbaOf: (block: number) => number): Buffer {
  const buf = Buffer.alloc(tree.pathTableSize);
  let o = 0;
  for (const d of tree.dirs) {
    const idLen = writeId(buf, o + 8, d.id, tree.wide);
    buf[o] = idLen;
    buf[o + 1] = 0;
    if (bigEndian) {
      buf.writeUInt32BE(lbaOf(d.block), o + 2);
      buf.writeUInt16BE(d.parentNumber, o + 6);
    } else {
      buf.writeUInt32LE(lbaOf(d.block), o + 2);
      buf.writeUInt16LE(d.parentNumber, o + 6);
    }
    o += 8 + idLen + (idLen % 2);
  }
  return buf;
}
