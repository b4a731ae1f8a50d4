// +framework: what turns a distro base into a Kairos-style OS: kernel, init,
// GRUB, rsync, a dracut live initramfs that mounts rootfs.squashfs from the ISO,
// /etc/kairos-release and a serial console. Optionally FRAMEWORK_IMAGE on top.
import { target, z, from, run, copy, artifact, cacheMount, saveArtifact } from 'kairos-pipe';
import { base } from './base.js';
import { flavorArgs, baseOf, artifactName, type FlavorArgs } from './args.js';
import { resolveFlavor, type ResolvedFlavor } from '../flavors/resolve.js';

const INSTALL: Record<string, (f: ResolvedFlavor) => string> = {
  apt: (f) =>
    'apt-get update && apt-get install -y --no-install-recommends ' +
    `${f.family === 'ubuntu' ? 'linux-image-virtual' : 'linux-image-amd64'} systemd systemd-sysv dbus udev kmod dracut dracut-live ` +
    'grub-pc-bin grub-efi-amd64-bin rsync ca-certificates iproute2 passwd && rm -rf /var/lib/apt/lists/*',
  dnf: () => 'dnf install -y kernel systemd dracut dracut-live grub2-pc grub2-efi-x64 rsync passwd && dnf clean all',
  zypper: () => 'zypper --non-interactive install kernel-default systemd dracut grub2 grub2-x86_64-efi rsync shadow && zypper clean -a',
  apk: () => 'apk add --no-cache linux-virt openrc dracut grub-bios grub-efi rsync shadow',
};

const KERNEL_AND_INITRD = [
  'set -e',
  'kver=$(ls /lib/modules | sort -V | tail -n1)',
  'if [ -f /boot/vmlinuz-$kver ]; then cp /boot/vmlinuz-$kver /boot/kernel; else cp /lib/modules/$kver/vmlinuz /boot/kernel; fi',
  // A generic (not host-only) initramfs with dracut's live module, as Kairos builds it.
  'dracut --force --no-hostonly --no-hostonly-cmdline --kver "$kver" --add "dmsquash-live" --omit "plymouth" /boot/initrd',
  'chmod 0644 /boot/initrd /boot/kernel',
].join('\n');

function release(a: FlavorArgs, f: ResolvedFlavor): string {
  const lines = {
    KAIROS_NAME: `kairos-${a.FLAVOR}`,
    KAIROS_VERSION: a.VERSION,
    KAIROS_FLAVOR: a.FLAVOR,
    KAIROS_FLAVOR_RELEASE: f.release,
    KAIROS_VARIANT: a.VARIANT,
    KAIROS_MODEL: a.MODEL,
    KAIROS_ARTIFACT: `${artifactName(a)}-${f.release}-${a.VARIANT}-amd64-${a.MODEL}`,
  };
  return Object.entries(lines).map(([k, v]) => `${k}="${v}"`).join('\n');
}

export const frameworkImage = target({
  name: 'framework-image',
  doc: 'The filesystem of a framework image (e.g. the upstream Kairos framework), as an artifact',
  args: z.object({ IMAGE: z.string().min(1) }),
  plan: ({ IMAGE }) => [from(IMAGE), saveArtifact('/', { as: 'rootfs', local: false })],
});

export const framework = target({
  name: 'framework',
  doc: 'Kernel, init, GRUB, dracut live initramfs, kairos-release and serial console on the flavor base',
  args: flavorArgs.extend({ FRAMEWORK_IMAGE: z.string().optional().describe('image copied over the rootfs, like COPY --from=<image> / /') }),
  plan: (a) => {
    const f = resolveFlavor(a);
    const install = INSTALL[f.packageManager];
    return [
      from(base, baseOf(a)),
      run(install(f), { env: { DEBIAN_FRONTEND: 'noninteractive' }, mounts: f.packageManager === 'apt' ? [cacheMount('/var/cache/apt/archives', { id: `apt-${f.family}`, sharing: 'locked' })] : [] }),
      run(KERNEL_AND_INITRD),
      run('useradd -m -s /bin/sh kairos 2>/dev/null || adduser -D kairos; echo kairos:kairos | chpasswd; echo kairos > /etc/hostname'),
      ...(a.FRAMEWORK_IMAGE ? [copy(artifact(frameworkImage, 'rootfs', { IMAGE: a.FRAMEWORK_IMAGE }), '/')] : []),
      copy('files/overlay/', '/'),
      run(`cat > /etc/kairos-release <<'EOF'\n${release(a, f)}\nEOF`),
    ];
  },
});
