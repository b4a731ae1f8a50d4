// The runc bundle of one step: config.json (OCI runtime spec 1.0) plus the
// files it binds — resolv.conf, hosts, hostname and secrets — all on a tmpfs
// so secret values never touch the disk. Defaults follow Docker's (capabilities,
// masked paths, /dev and /sys mounts) so both executors behave alike.
// The files are written with sync calls: a few small files on a tmpfs take
// microseconds, where each trip through libuv's thread pool costs 0.3–1 ms on a
// busy machine, and they sit on every step's critical path.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunStep } from '../../dsl/steps/run.js';
import type { ProcessSpec } from '../process.js';
import { HOSTNAME } from '../process.js';
import type { ResolvedUser } from '../users.js';
import type { HeldMount } from '../cache-mounts.js';

const DEFAULT_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];
const ALL_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW',
  'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD',
  'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];
const MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats',
  '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export const SECRETS_DIR = '/run/secrets';

interface Mount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

function systemMounts(privileged: boolean): Mount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    privileged
      ? { destination: '/dev', type: 'bind', source: '/dev', options: ['rbind', 'nosuid'] }
      : { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', privileged ? 'rw' : 'ro'] },
  ];
}

/** Every destination runc will mount, for the mount-stub probe. */
export function mountDestinations(step: RunStep): string[] {
  const d = [...systemMounts(step.privileged).map((m) => m.destination), '/etc/resolv.conf', '/etc/hosts', '/etc/hostname'];
  for (const m of step.mounts) d.push(m.target);
  if (step.secrets.length) d.push(SECRETS_DIR);
  return d;
}

function hostFile(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

export interface BundleInput {
  bundle: string;
  rootfs: string;
  step: RunStep;
  proc: ProcessSpec;
  user: ResolvedUser;
  cwd: string;
  cacheMounts: HeldMount[];
}

/**
 * Writes the files config.json binds into `bundle` (a tmpfs) and returns the
 * config itself; the caller writes it (a file, or the pipe runc is waiting on).
 */
export function prepareBundle(b: BundleInput) {
  const files = join(b.bundle, 'files');
  mkdirSync(files, { mode: 0o755 });
  const localHosts = `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t${HOSTNAME}\n`;
  const hostNet = b.step.network === 'default';
  writeFileSync(join(files, 'resolv.conf'), hostFile('/etc/resolv.conf', ''), { mode: 0o644 });
  writeFileSync(join(files, 'hosts'), hostNet ? `${localHosts}${hostFile('/etc/hosts', '')}` : localHosts, { mode: 0o644 });
  writeFileSync(join(files, 'hostname'), `${HOSTNAME}\n`, { mode: 0o644 });

  const mounts: Mount[] = systemMounts(b.step.privileged);
  for (const f of ['resolv.conf', 'hosts', 'hostname']) mounts.push({ destination: `/etc/${f}`, type: 'bind', source: join(files, f), options: ['rbind', 'rprivate'] });
  for (const m of b.cacheMounts) mounts.push({ destination: m.mount.target, type: 'bind', source: m.dir, options: ['rbind', 'rw'] });
  if (Object.keys(b.proc.secretFiles).length) {
    const dir = join(b.bundle, 'secrets');
    mkdirSync(dir, { mode: 0o755 });
    for (const [name, value] of Object.entries(b.proc.secretFiles)) writeFileSync(join(dir, name), value, { mode: 0o400 });
    mounts.push({ destination: SECRETS_DIR, type: 'bind', source: dir, options: ['rbind', 'ro', 'nosuid', 'nodev', 'noexec'] });
  }

  const env = b.proc.env.some((e) => e.startsWith('HOME=')) ? b.proc.env : [...b.proc.env, `HOME=${b.user.home}`];
  const caps = b.step.privileged ? ALL_CAPS : DEFAULT_CAPS;
  // As in Docker, a non-root user gets the bounding set but no effective capabilities.
  const effective = b.user.uid === 0 ? caps : [];
  const namespaces = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (b.step.network === 'none') namespaces.push({ type: 'network' });
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: b.user.uid, gid: b.user.gid, additionalGids: b.user.additionalGids },
      args: b.proc.args,
      env,
      cwd: b.cwd,
      capabilities: { bounding: caps, effective, permitted: effective, inheritable: [] as string[] },
      noNewPrivileges: false,
    },
    root: { path: b.rootfs, readonly: false },
    hostname: HOSTNAME,
    mounts,
    linux: {
      namespaces,
      resources: { devices: [{ allow: b.step.privileged, access: 'rwm' }] },
      maskedPaths: b.step.privileged ? [] : MASKED_PATHS,
      readonlyPaths: b.step.privileged ? [] : READONLY_PATHS,
    },
  };
}

export type RuntimeConfig = ReturnType<typeof prepareBundle>;
