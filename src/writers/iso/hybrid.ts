// Hybrid boot: an MBR whose code is GRUB's boot_hybrid.img (protective 0xEE entry plus a
// bootable dummy entry, as xorriso's --mbr-force-bootable) and a GPT with the ISO as
// partition 1 (from the partition offset) and the appended ESP as partition 2, with the
// backup GPT at the very end. GUIDs are given, never random.
import { crc32 } from 'node:zlib';

const SECTOR = 512;
const ENTRIES = 128;
const ENTRY_SIZE = 128;
const ENTRY_SECTORS = (ENTRIES * ENTRY_SIZE) / SECTOR;

export const ESP_TYPE = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';
export const BASIC_DATA_TYPE = 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7';

/** GPT's mixed-endian encoding of a textual GUID. */
export function guidBytes(guid: string): Buffer {
  const hex = guid.replace(/-/g, '');
  const b = Buffer.from(hex, 'hex');
  const out = Buffer.alloc(16);
  out.writeUInt32LE(b.readUInt32BE(0), 0);
  out.writeUInt16LE(b.readUInt16BE(4), 4);
  out.writeUInt16LE(b.readUInt16BE(6), 6);
  b.copy(out, 8, 8, 16);
  return out;
}

/** A version-4-shaped GUID from 16 hash bytes (deterministic, not random). */
export function guidFromHash(hash: Buffer): Buffer {
  const b = Buffer.from(hash.subarray(0, 16));
  b[7] = (b[7] & 0x0f) | 0x40; // version nibble sits in the LE-stored third field
  b[8] = (b[8] & 0x3f) | 0x80;
  return b;
}

export interface GptPartition {
  type: string;
  guid: Buffer;
  first: number;
  last: number;
  name: string;
  attributes: bigint;
}

export interface HybridPlan {
  mbrCode: Buffer;
  /** Sector GRUB's MBR loads next (lba*4+4 of eltorito.img), or undefined. */
  grub2Sector?: bigint;
  totalSectors: number;
  diskGuid: Buffer;
  partitions: GptPartition[];
}

function entryArray(parts: GptPartition[]): Buffer {
  const b = Buffer.alloc(ENTRIES * ENTRY_SIZE);
  parts.forEach((p, i) => {
    const o = i * ENTRY_SIZE;
    guidBytes(p.type).copy(b, o);
    p.guid.copy(b, o + 16);
    b.writeBigUInt64LE(BigInt(p.first), o + 32);
    b.writeBigUInt64LE(BigInt(p.last), o + 40);
    b.writeBigUInt64LE(p.attributes, o + 48);
    b.write(p.name.slice(0, 36), o + 56, 'utf16le');
  });
  return b;
}

function gptHeader(plan: HybridPlan, entries: Buffer, current: number, backup: number, entriesLba: number): Buffer {
  const last = plan.totalSectors - 1;
  const h = Buffer.alloc(SECTOR);
  h.write('EFI PART', 0, 'latin1');
  h.writeUInt32LE(0x00010000, 8);
  h.writeUInt32LE(92, 12);
  h.writeBigUInt64LE(BigInt(current), 24);
  h.writeBigUInt64LE(BigInt(backup), 32);
  h.writeBigUInt64LE(BigInt(2 + ENTRY_SECTORS), 40);
  h.writeBigUInt64LE(BigInt(last - 1 - ENTRY_SECTORS), 48);
  plan.diskGuid.copy(h, 56);
  h.writeBigUInt64LE(BigInt(entriesLba), 72);
  h.writeUInt32LE(ENTRIES, 80);
  h.writeUInt32LE(ENTRY_SIZE, 84);
  h.writeUInt32LE(crc32(entries), 88);
  h.writeUInt32LE(crc32(h.subarray(0, 92)), 16);
  return h;
}

function mbrEntry(b: Buffer, i: number, status: number, type: number, first: number, count: number): void {
  const o = 446 + i * 16;
  b[o] = status;
  // CHS fields are ignored by everything that reads LBA; use the "beyond CHS" marker
  b.writeUInt8(0xfe, o + 1); b.writeUInt8(0xff, o + 2); b.writeUInt8(0xff, o + 3);
  b[o + 4] = type;
  b.writeUInt8(0xfe, o + 5); b.writeUInt8(0xff, o + 6); b.writeUInt8(0xff, o + 7);
  b.writeUInt32LE(first, o + 8);
  b.writeUInt32LE(count, o + 12);
}

/** The 32 KiB system area: MBR, primary GPT header and entries. */
export function renderSystemArea(plan: HybridPlan): Buffer {
  const area = Buffer.alloc(32 * 1024);
  plan.mbrCode.copy(area, 0, 0, Math.min(446, plan.mbrCode.length));
  if (plan.grub2Sector !== undefined) area.writeBigUInt64LE(plan.grub2Sector, 0x1b0);
  area.fill(0, 0x1b8, 446); // disk signature + reserved
  const protectSize = Math.min(plan.totalSectors - 1, 0xffffffff);
  mbrEntry(area, 0, 0x00, 0xee, 1, protectSize);
  mbrEntry(area, 1, 0x80, 0x00, 0, 1);
  area[510] = 0x55;
  area[511] = 0xaa;
  const entries = entryArray(plan.partitions);
  gptHeader(plan, entries, 1, plan.totalSectors - 1, 2).copy(area, SECTOR);
  entries.copy(area, 2 * SECTOR);
  return area;
}

/** Sectors the backup GPT needs at the end (entries + header). */
export const GPT_TAIL_SECTORS = ENTRY_SECTORS + 1;

/** The end of the image: backup entries then backup header in the last sector; `bytes` long. */
export function renderGptTail(plan: HybridPlan, bytes: number): Buffer {
  const tail = Buffer.alloc(bytes);
  const entries = entryArray(plan.partitions);
  const last = plan.totalSectors - 1;
  const entriesLba = last - ENTRY_SECTORS;
  const tailStart = plan.totalSectors - bytes / SECTOR;
  entries.copy(tail, (entriesLba - tailStart) * SECTOR);
  gptHeader(plan, entries, last, 1, entriesLba).copy(tail, (last - tailStart) * SECTOR);
  return tail;
}
