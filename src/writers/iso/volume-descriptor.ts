// ECMA-119 8.4 primary volume descriptor, the Joliet supplementary descriptor (escape %/E,
// UCS-2 level 3), the El Torito boot record and the set terminator.
import { asciiField, both16, both32, dirDate, ucs2Field, volumeDate } from './fields.js';

export interface VolumeInfo {
  volumeId: string;
  systemId: string;
  volumeSetId: string;
  publisher: string;
  preparer: string;
  application: string;
  /** Seconds since the epoch for creation and modification dates. */
  date: number;
}

export interface DescriptorTree {
  volumeBlocks: number;
  pathTableSize: number;
  lTableLba: number;
  mTableLba: number;
  rootLba: number;
  rootSize: number;
  rootMtime: number;
}

function header(type: number): Buffer {
  const b = Buffer.alloc(2048);
  b[0] = type;
  b.write('CD001', 1, 'latin1');
  b[6] = 1;
  return b;
}

/** 8.4.18: the 34-byte root record embedded in the descriptor. */
function rootRecord(b: Buffer, t: DescriptorTree): void {
  const o = 156;
  b[o] = 34;
  both32(b, o + 2, t.rootLba);
  both32(b, o + 10, t.rootSize);
  dirDate(b, o + 18, t.rootMtime);
  b[o + 25] = 0x02;
  both16(b, o + 28, 1);
  b[o + 32] = 1;
  b[o + 33] = 0;
}

function volumeDescriptor(type: 1 | 2, v: VolumeInfo, t: DescriptorTree): Buffer {
  const b = header(type);
  const field = type === 1 ? asciiField : ucs2Field;
  field(b, 8, 32, v.systemId);
  field(b, 40, 32, v.volumeId);
  both32(b, 80, t.volumeBlocks);
  if (type === 2) b.write('%/E', 88, 'latin1');
  both16(b, 120, 1);
  both16(b, 124, 1);
  both16(b, 128, 2048);
  both32(b, 132, t.pathTableSize);
  b.writeUInt32LE(t.lTableLba, 140);
  b.writeUInt32BE(t.mTableLba, 148);
  rootRecord(b, t);
  field(b, 190, 128, v.volumeSetId);
  field(b, 318, 128, v.publisher);
  field(b, 446, 128, v.preparer);
  field(b, 574, 128, v.application);
  field(b, 702, 37, '');
  field(b, 739, 37, '');
  field(b, 776, 37, '');
  volumeDate(b, 813, v.date);
  volumeDate(b, 830, v.date);
  volumeDate(b, 847, undefined);
  volumeDate(b, 864, undefined);
  b[881] = 1;
  return b;
}

export function primaryDescriptor(v: VolumeInfo, t: DescriptorTree): Buffer {
  return volumeDescriptor(1, v, t);
}

export function jolietDescriptor(v: VolumeInfo, t: DescriptorTree): Buffer {
  return volumeDescriptor(2, v, t);
}

/** El Torito 2.0: the boot record volume descriptor pointing at the catalog. */
export function bootRecordDescriptor(catalogLba: number): Buffer {
  const b = header(0);
  b.write('EL TORITO SPECIFICATION', 7, 'latin1');
  b.writeUInt32LE(catalogLba, 71);
  return b;
}

export function terminatorDescriptor(): Buffer {
  return header(255);
}
