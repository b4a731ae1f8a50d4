// The framework's outputs: kernel + initrd, the squashfs, the rootfs tarball
// and the OCI image. Each is its own target so they build in parallel.
import { target, from, saveArtifact, squashfs, rootfs, saveImage } from 'kairos-pipe';
import { framework } from './framework.js';
import { tools } from './tools.js';
import { flavorArgs, pass, artifactName } from './args.js';

export const kernelInitrd = target({
  name: 'kernel-initrd',
  doc: 'The kernel and live initramfs of the framework, as artifacts',
  args: flavorArgs,
  plan: (a) => [
    from(framework, pass(a)),
    saveArtifact('/boot/kernel', { as: 'kernel', local: false }),
    saveArtifact('/boot/initrd', { as: 'initrd', local: false }),
  ],
});

export const squashfsImage = target({
  name: 'squashfs',
  doc: 'The framework root filesystem as rootfs.squashfs (mksquashfs runs in +tools)',
  args: flavorArgs,
  plan: (a) => [from(framework, pass(a)), squashfs({ src: '/', as: 'rootfs.squashfs', tools, compression: 'zstd', level: 3 })],
});

export const rootfsTarball = target({
  name: 'rootfs',
  doc: 'The flattened root filesystem tarball: build/kairos-<flavor>-<version>-rootfs.tar',
  args: flavorArgs,
  plan: (a) => [from(framework, pass(a)), rootfs({ as: `${artifactName(a)}-rootfs.tar` })],
});

export const image = target({
  name: 'image',
  doc: 'The OS as an OCI image kairos-<flavor>:<version> (push with --push)',
  args: flavorArgs,
  plan: (a) => [from(framework, pass(a)), saveImage(`kairos-${a.FLAVOR}:${a.VERSION}`, { push: true, as: `${artifactName(a)}.oci.tar` })],
});
