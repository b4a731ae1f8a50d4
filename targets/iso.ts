// +iso: the live ISO with Kairos's layout (volume COS_LIVE, /boot/kernel,
// /boot/initrd, /rootfs.squashfs, GRUB for BIOS and UEFI, hybrid MBR/GPT),
// written by kairos-pipe's own ISO writer. +all builds everything.
import { target, from, run, copy, artifact, fatImage, iso, build } from 'kairos-pipe';
import { tools } from './tools.js';
import { kernelInitrd, squashfsImage, rootfsTarball, image } from './artifacts.js';
import { flavorArgs, pass, artifactName } from './args.js';

const GRUB_IMAGES = [
  'set -e',
  'mkdir -p /iso/boot/grub2 /iso/EFI/BOOT /efi',
  'grub-mkimage -O i386-pc-eltorito -p /boot/grub2 -o /iso/boot/eltorito.img ' +
    'biosdisk iso9660 part_msdos part_gpt normal configfile linux search search_fs_file search_label serial terminal echo test true sleep gzio',
  'cp /usr/lib/grub/i386-pc/boot_hybrid.img /iso/boot/boot_hybrid.img',
  'grub-mkstandalone -O x86_64-efi -o /efi/bootx64.efi --modules="part_gpt part_msdos fat iso9660 search search_fs_file" "boot/grub/grub.cfg=/efi/grub.cfg"',
].join('\n');

export const isoImage = target({
  name: 'iso',
  doc: 'Bootable hybrid BIOS/UEFI live ISO: build/kairos-<flavor>-<version>.iso and .sha256',
  args: flavorArgs,
  plan: (a) => [
    from(tools),
    copy('files/grub-efi.cfg', '/efi/grub.cfg'),
    run(GRUB_IMAGES, { network: 'none' }),
    copy('files/grub-live.cfg', '/iso/boot/grub2/grub.cfg'),
    copy('files/grub-efi.cfg', '/iso/EFI/BOOT/grub.cfg'),
    fatImage({ label: 'EFI_LIVE', files: { 'EFI/BOOT/bootx64.efi': '/efi/bootx64.efi', 'EFI/BOOT/grub.cfg': '/efi/grub.cfg' }, dest: '/iso/boot/uefi.img' }),
    copy(artifact(kernelInitrd, 'kernel', pass(a)), '/iso/boot/kernel'),
    copy(artifact(kernelInitrd, 'initrd', pass(a)), '/iso/boot/initrd'),
    copy(artifact(squashfsImage, 'rootfs.squashfs', pass(a)), '/iso/rootfs.squashfs'),
    iso({
      volid: 'COS_LIVE',
      root: '/iso',
      as: `${artifactName(a)}.iso`,
      boot: {
        bios: { image: 'boot/eltorito.img', loadSize: 4, bootInfoTable: true, grub2BootInfo: true },
        efi: { image: 'boot/uefi.img' },
        hybridMbr: '/iso/boot/boot_hybrid.img',
      },
    }),
  ],
});

export const all = target({
  name: 'all',
  doc: 'Image, rootfs tarball and ISO of one flavor, in parallel',
  args: flavorArgs,
  plan: (a) => [build(image, pass(a)), build(rootfsTarball, pass(a)), build(isoImage, pass(a))],
});
