// Builds a tiny GRUB ISO tree the way grub-mkrescue lays it out: BIOS eltorito.img with
// iso9660 + serial, a standalone x86_64 EFI GRUB inside our own FAT image, and a grub.cfg
// that prints a marker on the serial console and powers off.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFatImage } from '../../../src/writers/fat/index.js';
import { run } from './helpers.js';

export const MARKER = 'KAIROS_PIPE_BOOT_MARKER_7f3a';
export const BOOT_HYBRID = '/usr/lib/grub/i386-pc/boot_hybrid.img';

export async function buildGrubTree(work: string): Promise<string> {
  const tree = join(work, 'tree');
  mkdirSync(join(tree, 'boot/grub'), { recursive: true });
  mkdirSync(join(tree, 'EFI/BOOT'), { recursive: true });
  const cfg = join(work, 'grub.cfg');
  writeFileSync(cfg, `serial --unit=0 --speed=115200\nterminal_input serial\nterminal_output serial\necho ${MARKER}\nhalt\n`);
  copyFileSync(cfg, join(tree, 'boot/grub/grub.cfg'));
  // UEFI from CD: GRUB's $root is the ISO9660 tree, so the config must be there too
  copyFileSync(cfg, join(tree, 'EFI/BOOT/grub.cfg'));
  run('grub-mkimage', ['-O', 'i386-pc-eltorito', '-p', '/boot/grub', '-o', join(tree, 'boot/eltorito.img'),
    'biosdisk', 'iso9660', 'normal', 'configfile', 'echo', 'serial', 'terminal', 'halt', 'search', 'part_msdos', 'part_gpt']);
  const efi = join(work, 'BOOTX64.EFI');
  run('grub-mkstandalone', ['-O', 'x86_64-efi', '-o', efi, '--locales=', '--fonts=', '--themes=',
    '--install-modules=part_gpt part_msdos fat iso9660 serial echo halt configfile normal terminal search',
    '--modules=part_gpt part_msdos fat iso9660', `boot/grub/grub.cfg=${cfg}`]);
  await writeFatImage({
    label: 'EFI_LIVE',
    files: [{ path: 'EFI/BOOT/bootx64.efi', hostPath: efi }, { path: 'EFI/BOOT/grub.cfg', hostPath: cfg }],
    sourceDateEpoch: 1700000000,
  }, join(tree, 'boot/uefi.img'));
  copyFileSync(BOOT_HYBRID, join(tree, 'boot/boot_hybrid.img'));
  return tree;
}
