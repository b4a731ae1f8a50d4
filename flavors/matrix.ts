// The flavor matrix: every flavor kairos-pipe builds, as Kairos's CI matrix has
// them, with what a target needs to know to pick a base (image, Dockerfile or
// bootstrap) and a framework (init, package manager, live initramfs).
// Data only; resolve.ts applies defaults and explains mistakes.

export type Family = 'debian' | 'ubuntu' | 'alpine' | 'opensuse' | 'fedora' | 'rhel';
export type InitSystem = 'systemd' | 'openrc';
export type PackageManager = 'apt' | 'apk' | 'zypper' | 'dnf';
/** How the ISO's initramfs finds and mounts /rootfs.squashfs. Alpine's mkinitfs cannot by itself (see docs/flavors.md). */
export type LiveInitramfs = 'live-boot' | 'dracut' | 'mkinitfs';

export interface BootstrapSpec {
  distro: 'debian' | 'ubuntu';
  /** The suite (codename) debootstrap installs for a release. */
  suite: (release: string) => string;
  mirror: string;
  components: readonly string[];
}

export interface FlavorSpec {
  family: Family;
  /** Known releases, the default first. */
  releases: readonly string[];
  /** Other names accepted for a release (Debian's "12" for "bookworm", Ubuntu codenames). */
  releaseAliases?: Readonly<Record<string, string>>;
  baseImage: (release: string) => string;
  init: InitSystem;
  packageManager: PackageManager;
  /** Present when the base can also be built from package mirrors, with no registry. */
  bootstrap?: BootstrapSpec;
  liveInitramfs: LiveInitramfs;
  /** What flavors/Dockerfile.<flavor> installs; the bootstrap path installs the same set. */
  packages: readonly string[];
}

/** What a family implies when a flavor has no row here (a Dockerfile-only flavor names just its FAMILY). */
export const FAMILY_DEFAULTS: Readonly<Record<Family, Pick<FlavorSpec, 'init' | 'packageManager' | 'liveInitramfs'>>> = {
  debian: { init: 'systemd', packageManager: 'apt', liveInitramfs: 'dracut' },
  ubuntu: { init: 'systemd', packageManager: 'apt', liveInitramfs: 'dracut' },
  alpine: { init: 'openrc', packageManager: 'apk', liveInitramfs: 'mkinitfs' },
  opensuse: { init: 'systemd', packageManager: 'zypper', liveInitramfs: 'dracut' },
  fedora: { init: 'systemd', packageManager: 'dnf', liveInitramfs: 'dracut' },
  rhel: { init: 'systemd', packageManager: 'dnf', liveInitramfs: 'dracut' },
};

const UBUNTU_SUITES: Readonly<Record<string, string>> = { '24.04': 'noble', '22.04': 'jammy', '20.04': 'focal' };

// dracut's dmsquash-live mounts /rootfs.squashfs from the ISO, as in Kairos.
const APT_FRAMEWORK = ['systemd', 'systemd-sysv', 'dbus', 'udev', 'kmod', 'grub-pc-bin', 'grub-efi-amd64-bin', 'grub2-common', 'rsync', 'dracut', 'dracut-live', 'dosfstools', 'e2fsprogs', 'iproute2', 'ca-certificates'] as const;

export const FLAVORS = {
  alpine: {
    family: 'alpine',
    releases: ['3.19'],
    baseImage: (r: string) => `alpine:${r}`,
    init: 'openrc',
    packageManager: 'apk',
    liveInitramfs: 'mkinitfs',
    packages: ['linux-lts', 'linux-firmware-none', 'alpine-base', 'grub', 'grub-bios', 'grub-efi', 'rsync', 'mkinitfs', 'squashfs-tools', 'dosfstools', 'e2fsprogs', 'iproute2', 'ca-certificates'],
  },
  debian: {
    family: 'debian',
    releases: ['bookworm'],
    releaseAliases: { '12': 'bookworm' },
    baseImage: (r: string) => `debian:${r}-slim`,
    init: 'systemd',
    packageManager: 'apt',
    bootstrap: { distro: 'debian', suite: (r: string) => r, mirror: 'http://deb.debian.org/debian', components: ['main'] },
    liveInitramfs: 'dracut',
    packages: ['linux-image-amd64', ...APT_FRAMEWORK],
  },
  ubuntu: {
    family: 'ubuntu',
    releases: ['24.04', '22.04', '20.04'],
    releaseAliases: { noble: '24.04', jammy: '22.04', focal: '20.04' },
    baseImage: (r: string) => `ubuntu:${r}`,
    init: 'systemd',
    packageManager: 'apt',
    // live-boot is in universe.
    bootstrap: { distro: 'ubuntu', suite: (r: string) => UBUNTU_SUITES[r] ?? r, mirror: 'http://archive.ubuntu.com/ubuntu', components: ['main', 'universe'] },
    liveInitramfs: 'dracut',
    packages: ['linux-image-generic', ...APT_FRAMEWORK],
  },
  opensuse: {
    family: 'opensuse',
    releases: ['leap-15.6', 'tumbleweed'],
    baseImage: (r: string) => (r === 'tumbleweed' ? 'opensuse/tumbleweed:latest' : `opensuse/leap:${r.replace(/^leap-/, '')}`),
    init: 'systemd',
    packageManager: 'zypper',
    liveInitramfs: 'dracut',
    packages: ['kernel-default', 'systemd', 'systemd-sysvinit', 'dbus-1', 'grub2', 'grub2-i386-pc', 'grub2-x86_64-efi', 'shim', 'rsync', 'dracut', 'squashfs', 'dosfstools', 'e2fsprogs', 'iproute2', 'ca-certificates'],
  },
  fedora: {
    family: 'fedora',
    releases: ['40'],
    baseImage: (r: string) => `fedora:${r}`,
    init: 'systemd',
    packageManager: 'dnf',
    liveInitramfs: 'dracut',
    packages: ['kernel', 'systemd', 'dbus', 'grub2-pc', 'grub2-efi-x64', 'grub2-efi-x64-modules', 'shim-x64', 'rsync', 'dracut', 'dracut-live', 'squashfs-tools', 'dosfstools', 'e2fsprogs', 'iproute', 'ca-certificates'],
  },
  rockylinux: {
    family: 'rhel',
    releases: ['9'],
    baseImage: (r: string) => `rockylinux:${r}`,
    init: 'systemd',
    packageManager: 'dnf',
    liveInitramfs: 'dracut',
    packages: ['kernel', 'systemd', 'dbus', 'grub2-pc', 'grub2-efi-x64', 'grub2-efi-x64-modules', 'shim-x64', 'rsync', 'dracut', 'dracut-live', 'squashfs-tools', 'dosfstools', 'e2fsprogs', 'iproute', 'ca-certificates'],
  },
} as const satisfies Record<string, FlavorSpec>;

export type FlavorName = keyof typeof FLAVORS;
export const FLAVOR_NAMES = Object.keys(FLAVORS) as FlavorName[];
