// A GRUB ISO written by our writer: El Torito catalog and hybrid MBR/GPT as xorriso and
// sgdisk read them, then booted in qemu (no KVM) with SeaBIOS and OVMF, from a CD and as a
// raw disk; GRUB prints a marker on the serial console.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeIso } from '../../../src/writers/iso/index.js';
import { BOOT_HYBRID, buildGrubTree, MARKER } from './grub-fixture.js';
import { has, run, tempDir } from './helpers.js';

const OVMF = '/usr/share/ovmf/OVMF.fd';
const haveQemu = has('qemu-system-x86_64');
const haveOvmf = existsSync(OVMF);

/** Boots `args` in qemu until it powers off or `timeoutMs` passes; returns the serial output. */
async function boot(args: string[], serial: string, timeoutMs: number): Promise<string> {
  const child = spawn('qemu-system-x86_64', ['-accel', 'tcg', '-m', '512', '-nographic', '-no-reboot', '-monitor', 'none', '-serial', `file:${serial}`, ...args], { stdio: 'ignore' });
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(resolve, timeoutMs);
      child.on('exit', () => resolve());
      child.on('error', reject);
    });
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
  }
  return existsSync(serial) ? readFileSync(serial, 'latin1') : '';
}

describe('bootable hybrid GRUB ISO', () => {
  const tmp = tempDir('iso-boot');
  const iso = join(tmp.path, 'grub.iso');
  beforeAll(async () => {
    const tree = await buildGrubTree(tmp.path);
    await writeIso({ dir: tree }, iso, {
      volumeId: 'COS_LIVE', sourceDateEpoch: 1700000000,
      boot: {
        bios: { image: 'boot/eltorito.img', loadSize: 4, bootInfoTable: true, grub2BootInfo: true },
        efi: { image: 'boot/uefi.img' },
        hybridMbr: BOOT_HYBRID,
      },
    });
  }, 60_000);
  afterAll(() => tmp.cleanup());

  test('xorriso reads the El Torito catalog: BIOS no-emulation with patches, UEFI entry', () => {
    const r = run('xorriso', ['-indev', iso, '-report_el_torito', 'plain']);
    expect(r).toMatch(/El Torito boot img :\s+1\s+BIOS\s+y\s+none\s+0x0000\s+0x00\s+4\s+\d+/);
    expect(r).toMatch(/El Torito boot img :\s+2\s+UEFI\s+y\s+none\s+0x0000\s+0x00\s+8192\s+\d+/);
    expect(r).toMatch(/El Torito img path :\s+1\s+\/boot\/eltorito\.img/);
    expect(r).toMatch(/El Torito img opts :\s+1\s+boot-info-table grub2-boot-info/);
    // the catalog is hidden from the directory trees
    expect(run('xorriso', ['-indev', iso, '-find', '/boot'])).not.toContain('boot.catalog');
  });

  test('xorriso reads the system area: GRUB2 MBR, partition offset 16, GPT with ISO and ESP', () => {
    const r = run('xorriso', ['-indev', iso, '-report_system_area', 'plain']);
    expect(r).toMatch(/System area summary: MBR protective-msdos-label grub2-mbr .*GPT/);
    expect(r).toMatch(/Partition offset\s+:\s+16/);
    expect(r).toMatch(/GPT type GUID\s+:\s+1\s+a2a0d0ebe5b9334487c068b6b72699c7/);
    expect(r).toMatch(/GPT type GUID\s+:\s+2\s+28732ac11ff8d211ba4b00a0c93ec93b/);
    expect(r).toMatch(/GPT start and size :\s+1\s+64\s+\d+/);
  });

  test('sgdisk -v finds no problem (CRCs, backup GPT at the end); fdisk sees the ESP', () => {
    expect(run('sgdisk', ['-v', iso])).toContain('No problems found');
    expect(run('fdisk', ['-l', iso])).toMatch(/EFI System/);
  });

  test('partition 1 (ISO at 32 KiB) is an ISO9660 volume of its own', () => {
    const part = join(tmp.path, 'part1.iso');
    run('dd', [`if=${iso}`, `of=${part}`, 'bs=2048', 'skip=16', 'status=none']);
    expect(run('isoinfo', ['-d', '-i', part])).toContain('Rock Ridge signatures version 1 found');
    expect(run('isoinfo', ['-R', '-l', '-i', part])).toContain('eltorito.img');
    run('osirrox', ['-indev', part, '-extract', '/boot/grub/grub.cfg', join(tmp.path, 'cfg')]);
    expect(readFileSync(join(tmp.path, 'cfg'), 'utf8')).toContain(MARKER);
  });

  const cases: Array<[string, string[], number, boolean]> = [
    ['SeaBIOS, CD', ['-cdrom', iso], 60_000, haveQemu],
    ['SeaBIOS, raw disk (hybrid MBR)', ['-drive', `file=${iso},format=raw`], 60_000, haveQemu],
    ['OVMF, CD', ['-bios', OVMF, '-cdrom', iso], 120_000, haveQemu && haveOvmf],
    ['OVMF, raw disk (GPT ESP)', ['-bios', OVMF, '-drive', `file=${iso},format=raw`], 120_000, haveQemu && haveOvmf],
  ];
  for (const [name, args, timeout, can] of cases) {
    // qemu-system-x86 and ovmf are installed by .ci/run; skipping only covers machines without them
    (can ? test : test.skip)(`boots to GRUB's marker: ${name}`, async () => {
      const serial = join(tmp.path, `serial-${name.replace(/\W+/g, '-')}.txt`);
      const out = await boot(args, serial, timeout);
      expect(out).toContain(MARKER);
    }, timeout + 10_000);
  }
});
