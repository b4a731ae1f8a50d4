// The main job end to end: `run +iso FLAVOR=debian` from the repository's own
// targets, the ISO read by independent tools, booted in qemu (SeaBIOS and OVMF,
// CD and raw disk) to a login prompt that follows /etc/kairos-release; then a
// no-op rerun executes nothing, and a one-file change in +framework reruns only
// what follows it. The cache lives outside the clone so reruns on one machine
// are warm; a CI machine starts it cold (~10 min).
import { execFileSync } from 'node:child_process';
import { promises as fs, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runCli, summaryOf, jsonEvents, REPO_ROOT } from '../../support/cli.js';
import { bootUntil } from '../../support/qemu.js';

const TEST_DIR = process.env.KAIROS_PIPE_TEST_DIR ?? '/var/tmp/kairos-pipe-test';
const CACHE = join(TEST_DIR, 'kairos-cache');
const MINUTES = 60_000;
const isRoot = process.getuid?.() === 0;
const tools = ['runc', 'debootstrap', 'qemu-system-x86_64', 'isoinfo', 'xorriso'].every((t) => {
  try {
    execFileSync('sh', ['-c', `command -v ${t}`]);
    return true;
  } catch {
    return false;
  }
});
const canRun = isRoot && tools;
if (!canRun && process.env.CI) throw new Error('the Kairos e2e test needs root, runc, debootstrap, qemu, isoinfo and xorriso (bash .ci/install-deps)');
const d = canRun ? describe : describe.skip;

d('Kairos pipeline: +iso FLAVOR=debian (needs root, runc, debootstrap, qemu)', () => {
  let out: string;
  let iso: string;
  let project: string;

  beforeAll(async () => {
    out = await fs.mkdtemp(join(tmpdir(), 'kp-kairos-out-'));
    // A copy of the project (targets + flavors; src linked) so the one-file change never touches the repo.
    project = await fs.mkdtemp(join(tmpdir(), 'kp-kairos-proj-'));
    await fs.cp(join(REPO_ROOT, 'targets'), join(project, 'targets'), { recursive: true, verbatimSymlinks: true });
    await fs.cp(join(REPO_ROOT, 'flavors'), join(project, 'flavors'), { recursive: true });
    await fs.symlink(join(REPO_ROOT, 'src'), join(project, 'src'));
    await fs.mkdir(CACHE, { recursive: true });
  }, MINUTES);

  afterAll(async () => {
    await fs.rm(out, { recursive: true, force: true });
    await fs.rm(project, { recursive: true, force: true });
  });

  it('builds the ISO and its .sha256', async () => {
    const r = await runCli(['run', '+iso', 'FLAVOR=debian', '--json', '--cache-dir', CACHE, '--output', out], { cwd: project, timeoutMs: 45 * MINUTES });
    const summary = summaryOf(r.stdout);
    if (!summary.ok) throw new Error(`build failed:\n${r.stdout.split('\n').slice(-40).join('\n')}\n${r.stderr}`);
    iso = join(out, 'kairos-debian-v0.1.0.iso');
    expect(existsSync(iso)).toBe(true);
    const sum = (await fs.readFile(`${iso}.sha256`, 'utf8')).split(/\s+/)[0];
    const actual = createHash('sha256').update(await fs.readFile(iso)).digest('hex');
    expect(sum).toBe(actual);
  }, 50 * MINUTES);

  it('has the Kairos layout, read by isoinfo and xorriso', () => {
    const info = execFileSync('isoinfo', ['-d', '-i', iso], { encoding: 'utf8' });
    expect(info).toMatch(/Volume id: COS_LIVE/);
    expect(info).toMatch(/Rock Ridge signatures version 1 found/);
    const files = execFileSync('xorriso', ['-indev', iso, '-find', '/', '-type', 'f'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    for (const f of ['/boot/kernel', '/boot/initrd', '/rootfs.squashfs', '/boot/grub2/grub.cfg', '/boot/uefi.img', '/boot/eltorito.img', '/EFI/BOOT/grub.cfg']) {
      expect(files).toContain(`'${f}'`);
    }
    const eltorito = execFileSync('xorriso', ['-indev', iso, '-report_el_torito', 'plain'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(eltorito).toMatch(/El Torito boot img :\s+1\s+BIOS\s+y/);
    expect(eltorito).toMatch(/El Torito boot img :\s+2\s+UEFI\s+y/);
    const sysarea = execFileSync('xorriso', ['-indev', iso, '-report_system_area', 'plain'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(sysarea).toMatch(/GPT/);
  });

  it('packs the rootfs as a zstd squashfs that unsquashfs reads', async () => {
    const sq = join(out, 'rootfs-from-iso.squashfs');
    execFileSync('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', '/rootfs.squashfs', sq], { stdio: 'ignore' });
    try {
      const sb = execFileSync('unsquashfs', ['-s', sq], { encoding: 'utf8' });
      expect(sb).toMatch(/Compression zstd/);
      const list = execFileSync('unsquashfs', ['-l', '-d', '', sq, 'etc/kairos-release'], { encoding: 'utf8' });
      expect(list).toContain('etc/kairos-release');
    } finally {
      await fs.rm(sq, { force: true });
    }
  });

  const LOGIN = /login:/;
  const boots: Array<[string, 'bios' | 'uefi', (iso: string) => string[]]> = [
    ['SeaBIOS from CD', 'bios', (i) => ['-cdrom', i, '-boot', 'd']],
    ['OVMF from CD', 'uefi', (i) => ['-cdrom', i]],
    ['SeaBIOS as a raw disk', 'bios', (i) => ['-drive', `file=${i},format=raw,if=ide,snapshot=on`]],
    ['OVMF as a raw disk', 'uefi', (i) => ['-drive', `file=${i},format=raw,if=ide,snapshot=on`]],
  ];
  it.each(boots)('boots to a login prompt: %s', async (_name, firmware, media) => {
    const r = await bootUntil(media(iso), LOGIN, { firmware, timeoutMs: 8 * MINUTES });
    if (!r.matched) throw new Error(`no login prompt after ${r.ms} ms; serial tail:\n${r.serial.slice(-3000)}`);
    expect(r.serial).toMatch(/KAIROS_FLAVOR="debian"/);
    expect(r.serial).toMatch(/KAIROS_VERSION="v0.1.0"/);
    expect(r.serial).toMatch(/KAIROS_FLAVOR_RELEASE="bookworm"/);
  }, 10 * MINUTES);

  it('reruns with nothing changed and executes no step', async () => {
    const r = await runCli(['run', '+iso', 'FLAVOR=debian', '--json', '--cache-dir', CACHE, '--output', out], { cwd: project, timeoutMs: 5 * MINUTES });
    const s = summaryOf(r.stdout);
    expect(s.ok).toBe(true);
    expect(s.executed).toBe(0);
    expect(s.cached).toBeGreaterThan(10);
    const written = jsonEvents(r.stdout).filter((e) => e.type === 'output' && e.written === true);
    expect(written).toEqual([]);
  }, 5 * MINUTES);

  it('after a one-file change in +framework reruns only the steps after it, and --explain names the file', async () => {
    // Unique content each run: the cache outlives the test, and the same change would be a hit next time.
    await fs.appendFile(join(project, 'targets/files/overlay/etc/motd'), `changed by the e2e test ${Date.now()}-${process.pid}\n`);
    const r = await runCli(['run', '+iso', 'FLAVOR=debian', '--json', '--explain', '--cache-dir', CACHE, '--output', out], { cwd: project, timeoutMs: 30 * MINUTES });
    const s = summaryOf(r.stdout);
    expect(s.ok).toBe(true);
    const steps = jsonEvents(r.stdout).filter((e) => e.type === 'step');
    const ran = steps.filter((e) => e.status === 'done').map((e) => `${e.target} ${e.kind}`);
    // Nothing before the copy of the overlay runs again: not the bootstrap, not the package install.
    expect(ran.some((x) => /\+base/.test(x))).toBe(false);
    expect(ran.some((x) => /\+tools/.test(x))).toBe(false);
    const framework = steps.filter((e) => String(e.target).startsWith('+framework'));
    expect(framework.filter((e) => e.status === 'cached').map((e) => e.kind)).toEqual(['from', 'run', 'run', 'run']);
    const explained = steps.find((e) => String(e.target).startsWith('+framework') && e.status === 'running');
    expect((explained?.explain as string[]).join('\n')).toMatch(/etc\/motd/);
    expect(ran).toEqual(expect.arrayContaining([expect.stringMatching(/\+squashfs.* squashfs/), expect.stringMatching(/\+iso.* iso/)]));
  }, 30 * MINUTES);
});
