// Boots an image in qemu (software emulation) with the serial console written to
// a file, until the output matches a pattern or a time limit passes. The VM is
// always killed by its PID before this returns.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

export const OVMF = '/usr/share/ovmf/OVMF.fd';

export interface BootResult {
  matched: boolean;
  serial: string;
  ms: number;
}

export async function bootUntil(media: string[], until: RegExp, opts: { timeoutMs: number; memoryMb?: number; firmware?: 'bios' | 'uefi' }): Promise<BootResult> {
  const dir = await fs.mkdtemp(join(tmpdir(), 'kp-qemu-'));
  const serial = join(dir, 'serial.log');
  const args = ['-accel', 'tcg', '-m', String(opts.memoryMb ?? 1536), '-smp', '1', '-nographic', '-no-reboot', '-monitor', 'none', '-serial', `file:${serial}`, '-display', 'none'];
  if (opts.firmware === 'uefi') args.push('-bios', OVMF);
  const child = spawn('qemu-system-x86_64', [...args, ...media], { stdio: 'ignore' });
  const started = Date.now();
  let exited = false;
  child.on('exit', () => (exited = true));
  try {
    for (;;) {
      const text = await fs.readFile(serial, 'utf8').catch(() => '');
      if (until.test(text)) return { matched: true, serial: text, ms: Date.now() - started };
      if (exited || Date.now() - started > opts.timeoutMs) return { matched: false, serial: text, ms: Date.now() - started };
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    if (!exited && child.pid) process.kill(child.pid, 'SIGKILL');
    await fs.rm(dir, { recursive: true, force: true });
  }
}
