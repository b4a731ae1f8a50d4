// El Torito 1.0: the boot catalog (validation entry, BIOS default entry, EFI section) and
// the patches written into a BIOS boot image (boot info table, GRUB2 boot info).
import { IsoBootImageTooLargeError, IsoBootImageTooSmallError } from './errors.js';

export interface CatalogEntry {
  lba: number;
  /** 512-byte sectors loaded by the firmware. */
  sectors: number;
}

/** Largest sector count the 16-bit El Torito field can state. */
export const MAX_SECTORS = 0xffff;

function bootEntry(buf: Buffer, off: number, e: CatalogEntry): void {
  buf[off] = 0x88; // bootable
  buf[off + 1] = 0; // no emulation
  buf.writeUInt16LE(0, off + 2); // load segment: default 0x7C0
  buf[off + 4] = 0; // system type
  buf.writeUInt16LE(e.sectors, off + 6);
  buf.writeUInt32LE(e.lba, off + 8);
}

/** The catalog: BIOS as the default entry, EFI (platform 0xEF) in a final section; EFI alone is the default. */
export function renderCatalog(bios: CatalogEntry | undefined, efi: CatalogEntry | undefined): Buffer {
  const b = Buffer.alloc(2048);
  b[0] = 0x01;
  b[1] = bios ? 0x00 : 0xef;
  b[30] = 0x55;
  b[31] = 0xaa;
  let sum = 0;
  for (let i = 0; i < 32; i += 2) sum = (sum + b.readUInt16LE(i)) & 0xffff;
  b.writeUInt16LE((0x10000 - sum) & 0xffff, 28);
  if (bios) {
    bootEntry(b, 32, bios);
    if (efi) {
      b[64] = 0x91; // final section header
      b[65] = 0xef;
      b.writeUInt16LE(1, 66);
      bootEntry(b, 96, efi);
    }
  } else if (efi) {
    bootEntry(b, 32, efi);
  }
  return b;
}

/** Sector count for an image; refuses images the 16-bit field cannot describe. */
export function sectorCount(size: number, what: string): number {
  const s = Math.ceil(size / 512);
  if (s > MAX_SECTORS) {
    throw new IsoBootImageTooLargeError(`${what} is ${size} bytes; El Torito can describe at most ${MAX_SECTORS * 512} bytes`, {
      hint: 'Use a smaller boot image (for the ESP, a smaller FAT image holding only the EFI loader).',
    });
  }
  return Math.max(1, s);
}

/**
 * Returns a patched copy of a BIOS boot image. GRUB2 boot info: u64 `lba*4+5` at 2548 (the
 * second 512-byte sector of GRUB's core, read by its hybrid MBR path). Boot info table: at 8,
 * the PVD LBA, image LBA, length and the sum of 32-bit words from byte 64 on, then 40 zeros.
 */
export function patchBootImage(image: Buffer, imageLba: number, opts: { bootInfoTable: boolean; grub2BootInfo: boolean }, what: string): Buffer {
  const need = opts.grub2BootInfo ? 2556 : opts.bootInfoTable ? 64 : 0;
  if (image.length < need) {
    throw new IsoBootImageTooSmallError(`${what} is ${image.length} bytes; the requested patches need at least ${need}`, {
      hint: 'Check that the BIOS boot image is GRUB\'s eltorito.img (or isolinux.bin), not a placeholder.',
    });
  }
  const out = Buffer.from(image);
  if (opts.grub2BootInfo) out.writeBigUInt64LE(BigInt(imageLba) * 4n + 5n, 2548);
  if (opts.bootInfoTable) {
    let sum = 0;
    for (let i = 64; i < out.length; i += 4) {
      const word = i + 4 <= out.length ? out.readUInt32LE(i) : Buffer.concat([out.subarray(i), Buffer.alloc(4)]).readUInt32LE(0);
      sum = (sum + word) >>> 0;
    }
    out.fill(0, 8, 64);
    out.writeUInt32LE(16, 8);
    out.writeUInt32LE(imageLba, 12);
    out.writeUInt32LE(image.length, 16);
    out.writeUInt32LE(sum, 20);
  }
  return out;
}
