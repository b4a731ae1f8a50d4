// Ties the boot options to the tree and the layout: finds and checks the boot images,
// patches the BIOS image, renders the catalog and, for hybrid images, the MBR/GPT pieces.
import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { patchBootImage, renderCatalog, sectorCount } from './el-torito.js';
import { IsoBootImageMissingError, IsoInvalidOptionError } from './errors.js';
import { BASIC_DATA_TYPE, ESP_TYPE, GPT_TAIL_SECTORS, guidFromHash, renderGptTail, renderSystemArea, type HybridPlan } from './hybrid.js';
import { BLOCK, type Layout } from './layout.js';
import { type Content, lookup, pathOf, splitImagePath, type TreeNode, walkTree } from './tree.js';

export interface IsoBootOptions {
  bios?: { image: string; loadSize?: number; bootInfoTable?: boolean; grub2BootInfo?: boolean };
  efi?: { image: string; appendAsPartition?: boolean };
  /** Accepted for compatibility; the catalog is always hidden from the directory trees. */
  catalog?: string;
  hybridMbr?: string;
}

export interface BootPrep {
  bios?: { content: Content; loadSize: number; bootInfoTable: boolean; grub2BootInfo: boolean; path: string };
  efi?: { content: Content; sectors: number; append: boolean };
  mbrCode?: Buffer;
  partitionOffset: number;
  gptTailBlocks: number;
}

function bootFile(root: TreeNode, path: string, what: string): Content {
  splitImagePath(path); // refuses `..` escapes with a clear error
  const node = lookup(root, path);
  if (!node || node.type !== 'file' || !node.content) {
    throw new IsoBootImageMissingError(`${what} "${path}" is ${node ? `a ${node.type}, not a file` : 'not in the image tree'}`, {
      hint: 'Boot image paths are relative to the image root, e.g. "boot/eltorito.img"; put the file in the tree first.',
    });
  }
  return node.content;
}

async function contentBytes(c: Content): Promise<Buffer> {
  if (c.data) return Buffer.concat([c.data, Buffer.alloc(Math.max(0, c.size - c.data.length))]).subarray(0, c.size);
  if (c.hostPath) {
    const fh = await open(c.hostPath, 'r');
    try {
      const buf = Buffer.alloc(c.size);
      let got = 0;
      for (let n = -1; got < c.size && n !== 0; got += n) n = (await fh.read(buf, got, c.size - got, (c.hostOffset ?? 0) + got)).bytesRead;
      return buf.subarray(0, got);
    } finally {
      await fh.close();
    }
  }
  return Buffer.alloc(c.size);
}

export async function prepareBoot(root: TreeNode, boot: IsoBootOptions | undefined): Promise<BootPrep> {
  const prep: BootPrep = { partitionOffset: 0, gptTailBlocks: 0 };
  if (!boot) return prep;
  if (boot.bios) {
    const content = bootFile(root, boot.bios.image, 'BIOS boot image');
    sectorCount(content.size, `BIOS boot image "${boot.bios.image}"`);
    const loadSize = boot.bios.loadSize ?? 4;
    if (!Number.isInteger(loadSize) || loadSize < 1 || loadSize > 0xffff) {
      throw new IsoInvalidOptionError(`bios.loadSize ${loadSize} is not a count of 512-byte sectors from 1 to 65535`);
    }
    const b = boot.bios;
    prep.bios = { content, loadSize, bootInfoTable: b.bootInfoTable ?? false, grub2BootInfo: b.grub2BootInfo ?? false, path: b.image };
  }
  if (boot.efi) {
    const content = bootFile(root, boot.efi.image, 'EFI boot image');
    const sectors = sectorCount(content.size, `EFI boot image "${boot.efi.image}"`);
    prep.efi = { content, sectors, append: boot.hybridMbr !== undefined && (boot.efi.appendAsPartition ?? true) };
  }
  if (boot.hybridMbr !== undefined) {
    prep.mbrCode = await readFile(boot.hybridMbr).catch((e: unknown) => {
      throw new IsoBootImageMissingError(`hybrid MBR "${boot.hybridMbr}" cannot be read`, {
        cause: e, hint: 'Point hybridMbr at GRUB\'s boot_hybrid.img (/usr/lib/grub/i386-pc/boot_hybrid.img).',
      });
    });
    if (prep.mbrCode.length < 446) throw new IsoInvalidOptionError(`hybrid MBR "${boot.hybridMbr}" is ${prep.mbrCode.length} bytes; it needs at least 446`);
    prep.partitionOffset = 16;
    prep.gptTailBlocks = Math.ceil((GPT_TAIL_SECTORS * 512) / BLOCK);
  }
  return prep;
}

/** Everything that depends on the tree, hashed: the seed of the GPT GUIDs. */
function treeDigest(root: TreeNode, volumeId: string): Buffer {
  const h = createHash('sha256').update(`kairos-pipe iso\0${volumeId}\0`);
  for (const n of walkTree(root)) {
    h.update(`${pathOf(n)}\0${n.type}\0${n.mode}\0${n.uid}\0${n.gid}\0${n.mtime}\0${n.content?.size ?? ''}\0${n.linkTarget ?? ''}\0${n.rdev ?? ''}\n`);
  }
  return h.digest();
}

export interface BootParts {
  catalog?: Buffer;
  systemArea?: Buffer;
  gptTail?: Buffer;
}

/** Once blocks are allocated: patch the BIOS image, render catalog, MBR, GPT. */
export async function finishBoot(prep: BootPrep, layout: Layout, root: TreeNode, volumeId: string): Promise<BootParts> {
  const parts: BootParts = {};
  const { bios, efi } = prep;
  if (bios && (bios.bootInfoTable || bios.grub2BootInfo)) {
    bios.content.patched = patchBootImage(await contentBytes(bios.content), bios.content.lba, bios, `BIOS boot image "${bios.path}"`);
  }
  if (bios || efi) {
    const efiLba = efi ? (efi.append && layout.appended ? layout.appended.lba : efi.content.lba) : 0;
    parts.catalog = renderCatalog(
      bios ? { lba: bios.content.lba, sectors: bios.loadSize } : undefined,
      efi ? { lba: efiLba, sectors: efi.sectors } : undefined,
    );
  }
  if (prep.mbrCode) {
    const seedHash = createHash('sha256').update(treeDigest(root, volumeId));
    if (efi) seedHash.update(await contentBytes(efi.content));
    const seed = seedHash.digest();
    const guid = (label: string) => guidFromHash(createHash('sha256').update(seed).update(label).digest());
    const totalSectors = layout.totalBlocks * 4;
    const isoEnd = (layout.appended ? layout.appended.lba : layout.dataEnd) * 4 - 1;
    const plan: HybridPlan = {
      mbrCode: prep.mbrCode,
      grub2Sector: bios?.grub2BootInfo ? BigInt(bios.content.lba) * 4n + 4n : undefined,
      totalSectors,
      diskGuid: guid('disk'),
      partitions: [
        { type: BASIC_DATA_TYPE, guid: guid('part1'), first: prep.partitionOffset * 4, last: isoEnd, name: 'ISO9660', attributes: (1n << 60n) | 1n },
      ],
    };
    if (layout.appended) {
      const first = layout.appended.lba * 4;
      plan.partitions.push({ type: ESP_TYPE, guid: guid('part2'), first, last: first + layout.appended.blocks * 4 - 1, name: 'EFI system partition', attributes: 0n });
    }
    parts.systemArea = renderSystemArea(plan);
    parts.gptTail = renderGptTail(plan, prep.gptTailBlocks * BLOCK);
  }
  return parts;
}
