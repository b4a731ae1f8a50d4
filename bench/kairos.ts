// Issue 6's benchmark: `run +iso FLAVOR=debian` cold (fresh cache dir), as a
// no-op rerun, and after a one-file change in +framework (a line appended to
// targets/files/overlay/etc/motd), each the whole CLI process; against the same
// chain done by hand — debootstrap --variant=minbase, chroot apt-get install of
// the flavor matrix's Debian packages, the same dracut call, mksquashfs and
// grub-mkrescue — the floor a shell script gets. Goals: cold ≤ 1.2× the hand-made
// chain, no-op < 2 s, one-file change < 0.25× cold.
// Both make the squashfs with the same mksquashfs options (-comp zstd -Xcompression-level 3, the default
// 128 KiB block size, as targets/artifacts.ts; ours adds only -mkfs-time/-all-time).
// Opt-in (about 20–30 minutes, and it downloads from Debian's mirror): BENCH_KAIROS=1.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { promises as fs, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FLAVORS } from '../flavors/matrix.js';
import { cliEntry } from './build10.js';

type Report = (line: string) => void;
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(REPO, 'bin', 'kairos-pipe.js');
const MIRROR = FLAVORS.debian.bootstrap.mirror;
const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The kernel + initramfs commands of +framework (targets/framework.ts), for the hand-made chain. */
const KERNEL_AND_INITRD = [
  'set -e',
  'kver=$(ls /lib/modules | sort -V | tail -n1)',
  'cp /boot/vmlinuz-$kver /boot/kernel',
  'dracut --force --no-hostonly --no-hostonly-cmdline --kver "$kver" --add "dmsquash-live" --omit "plymouth" /boot/initrd',
].join('\n');

function timed(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { ms: number; r: SpawnSyncReturns<string> } {
  const t = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 2 ** 20, ...opts });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')}… exited ${r.status}: ${(r.stderr || r.stdout || '').slice(-1500)}`);
  return { ms, r };
}

function sh(script: string): number {
  return timed('bash', ['-euo', 'pipefail', '-c', script]).ms;
}

interface StepEvent {
  type: string;
  target?: string;
  description?: string;
  status?: string;
  ms?: number;
}

function ours(project: string, cache: string, out: string): { ms: number; executed: number; steps: string[] } {
  const args = ['run', '+iso', 'FLAVOR=debian', '--json', '--cache-dir', cache, '--output', out];
  const { ms, r } = timed(process.execPath, [CLI, ...args], { cwd: project, env: { ...process.env, CI: '1', KAIROS_PIPE_CACHE: '' } });
  const events = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as StepEvent);
  const summary = events[events.length - 1] as unknown as { executed: number };
  // The steps that took a second or more, slowest first: the per-step breakdown of docs/benchmarks.md.
  const steps = events
    .filter((e) => e.type === 'step' && e.status === 'done' && (e.ms ?? 0) >= 1000)
    .sort((a, b) => (b.ms ?? 0) - (a.ms ?? 0))
    .map((e) => `${e.target} ${(e.description ?? '').split('\n')[0].slice(0, 50)}: ${sec(e.ms ?? 0)}`);
  return { ms, executed: summary.executed, steps };
}

/** debootstrap + chroot apt-get + dracut + mksquashfs + grub-mkrescue; returns each phase's time. */
export function handMade(dir: string): Record<string, number> {
  const root = join(dir, 'rootfs');
  const iso = join(dir, 'iso');
  const pkgs = FLAVORS.debian.packages.join(' ');
  const t: Record<string, number> = {};
  t.debootstrap = sh(`debootstrap --variant=minbase bookworm ${root} ${MIRROR} >/dev/null`);
  const chroot = (script: string): number => {
    writeFileSync(join(root, 'tmp', 'step.sh'), `${script}\n`);
    return sh(
      `trap 'umount -l ${root}/proc ${root}/sys ${root}/dev 2>/dev/null || true' EXIT; mount -t proc proc ${root}/proc; mount -t sysfs sys ${root}/sys; mount --bind /dev ${root}/dev; ` +
        `cp /etc/resolv.conf ${root}/etc/resolv.conf; chroot ${root} /bin/sh /tmp/step.sh >/dev/null; rm ${root}/tmp/step.sh`,
    );
  };
  t['apt-get install'] = chroot(`set -e\nexport DEBIAN_FRONTEND=noninteractive\napt-get update\napt-get install -y --no-install-recommends ${pkgs}\nrm -rf /var/lib/apt/lists/*`);
  t.dracut = chroot(KERNEL_AND_INITRD);
  t.mksquashfs = sh(`mkdir -p ${iso}/boot/grub && mksquashfs ${root} ${iso}/rootfs.squashfs -noappend -no-progress -comp zstd -Xcompression-level 3 >/dev/null`);
  t['grub-mkrescue'] = sh(
    `cp ${root}/boot/kernel ${iso}/boot/kernel && cp ${root}/boot/initrd ${iso}/boot/initrd && ` +
      `printf 'set timeout=1\\nmenuentry kairos { linux /boot/kernel root=live:CDLABEL=COS_LIVE rd.live.dir=/ rd.live.squashimg=rootfs.squashfs console=ttyS0\\n initrd /boot/initrd\\n}\\n' > ${iso}/boot/grub/grub.cfg && ` +
      `grub-mkrescue -o ${dir}/kairos.iso ${iso} -- -volid COS_LIVE >/dev/null 2>&1`,
  );
  return t;
}

function missingTools(): string[] {
  return ['debootstrap', 'mksquashfs', 'grub-mkrescue', 'xorriso', 'mformat'].filter((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0);
}

export default async function bench(report: Report): Promise<void> {
  if (process.env.BENCH_KAIROS !== '1') {
    report('kairos: skipped (opt-in: BENCH_KAIROS=1 npm run bench; it takes about 20–30 minutes and downloads from Debian\'s mirror)');
    return;
  }
  if (process.getuid?.() !== 0) {
    report('kairos: skipped (needs root: the oci executor, debootstrap and chroot)');
    return;
  }
  const missing = missingTools();
  if (missing.length) {
    report(`kairos: skipped (missing ${missing.join(', ')}: .ci/install-deps installs them)`);
    return;
  }
  const work = await fs.mkdtemp(join(process.env.KAIROS_PIPE_BENCH_DIR ?? '/var/tmp', 'kp-bench-kairos-'));
  try {
    // A copy of the project (targets + flavors; src linked), so the one-file change never touches the repo.
    const project = join(work, 'project');
    await fs.mkdir(project);
    await fs.cp(join(REPO, 'targets'), join(project, 'targets'), { recursive: true, verbatimSymlinks: true });
    await fs.cp(join(REPO, 'flavors'), join(project, 'flavors'), { recursive: true });
    await fs.symlink(join(REPO, 'src'), join(project, 'src'));
    const cache = join(work, 'cache');
    const out = join(work, 'out');

    report(`CLI from ${cliEntry()}`);
    const cold = ours(project, cache, out);
    report(`cold run +iso FLAVOR=debian (fresh cache dir): ${sec(cold.ms)}, ${cold.executed} steps executed, load ${loadavg()[0].toFixed(1)}`);
    for (const line of cold.steps) report(`    ${line}`);
    const noop = ours(project, cache, out);
    report(`no-op rerun: ${sec(noop.ms)}, ${noop.executed} steps executed`);
    await fs.appendFile(join(project, 'targets', 'files', 'overlay', 'etc', 'motd'), `bench ${Date.now()}\n`);
    const one = ours(project, cache, out);
    report(`after a one-file change in +framework (etc/motd): ${sec(one.ms)}, ${one.executed} steps executed`);
    await fs.rm(cache, { recursive: true, force: true });

    const hand = handMade(join(work, 'hand'));
    const handMs = Object.values(hand).reduce((a, b) => a + b, 0);
    report(`hand-made chain: ${sec(handMs)} (${Object.entries(hand).map(([k, v]) => `${k} ${sec(v)}`).join(', ')}), load ${loadavg()[0].toFixed(1)}`);
    const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
    report(`cold / hand-made: ${(cold.ms / handMs).toFixed(2)} (goal ≤ 1.2: ${verdict(cold.ms / handMs <= 1.2)})`);
    report(`no-op: ${sec(noop.ms)} (goal < 2 s: ${verdict(noop.ms < 2000)})`);
    report(`one-file / cold: ${(one.ms / cold.ms).toFixed(2)} (goal < 0.25: ${verdict(one.ms / cold.ms < 0.25)})`);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

// `BENCH_KAIROS=1 node bin/run-ts.js bench/kairos.ts` runs it alone.
if (process.argv[1]?.endsWith('bench/kairos.ts')) await bench((l) => console.log(l));
