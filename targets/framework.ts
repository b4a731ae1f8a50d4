// +framework: what turns a distro base into a Kairos-style OS: kernel, init,
// GRUB, rsync, a dracut live initramfs that mounts rootfs.squashfs from the ISO,
// /etc/kairos-release and a serial console. Optionally FRAMEWORK_IMAGE on top.
import { target, z, from, run, copy, artifact, cacheMount, saveArtifact } from 'kairos-pipe';
import { base, baseSourceOf } from './base.js';
import { flavorArgs, baseOf, artifactName, type FlavorArgs } from './args.js';
import { resolveFlavor, type ResolvedFlavor } from '../flavors/resolve.js';

// The framework packages come from the flavor matrix (the same list the flavor's Dockerfile installs).
const INSTALL: Record<ResolvedFlavor['packageManager'], (pkgs: string) => string> = {
  apt: (p) => `apt-get update && apt-get install -y --no-install-recommends ${p} && rm -rf /var/lib/apt/lists/*`,
  dnf: (p) => `dnf install -y ${p} && dnf clean all`,
  zypper: (p) => `zypper --non-interactive install ${p} && zypper clean -a`,
  apk: (p) => `apk add --no-cache ${p}`,
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
    // A Dockerfile flavor already installed the framework packages.
    const packages =
      baseSourceOf(a) === 'dockerfile'
        ? []
        : [run(INSTALL[f.packageManager](f.packages.join(' ')), { env: { DEBIAN_FRONTEND: 'noninteractive' }, mounts: f.packageManager === 'apt' ? [cacheMount('/var/cache/apt/archives', { id: `apt-${f.family}`, sharing: 'private' })] : [] })];
    return [
      from(base, baseOf(a)),
      ...packages,
      run(KERNEL_AND_INITRD),
      run(
        'useradd -m -s /bin/sh kairos 2>/dev/null || adduser -D kairos; echo kairos:kairos | chpasswd; echo kairos > /etc/hostname; ' +
          'if command -v systemctl >/dev/null; then systemctl set-default multi-user.target; fi; : > /etc/machine-id',
      ),
      ...(a.FRAMEWORK_IMAGE ? [copy(artifact(frameworkImage, 'rootfs', { IMAGE: a.FRAMEWORK_IMAGE }), '/')] : []),
      copy('files/overlay/', '/'),
      run(`cat > /etc/kairos-release <<'EOF'\n${release(a, f)}\nEOF`),
    ];
  },
});
