// `kairos-pipe doctor`: what this machine can do, and what to install for the rest.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ociProblems, dockerProblems } from '../../executors/select.js';
import type { CliIO } from '../io.js';
import { CacheStore } from '../../cache/store.js';
import { cacheDir, type GlobalOpts } from './common.js';

const run = promisify(execFile);

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
  required: boolean;
}

async function has(cmd: string, args: string[] = ['--version']): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await run(cmd, args, { timeout: 5000 });
    return (stdout || stderr).split('\n')[0].trim();
  } catch {
    return undefined;
  }
}

export async function doctorCommand(o: GlobalOpts & { json?: boolean }, io: CliIO): Promise<number> {
  const checks: Check[] = [];
  const major = Number(process.versions.node.split('.')[0]);
  checks.push({ name: 'node', ok: major >= 20, detail: process.version, fix: 'Install Node.js 20 or newer.', required: true });
  try {
    const store = await CacheStore.open(cacheDir(o, process.env));
    checks.push({ name: 'cache', ok: true, detail: store.root, required: true });
  } catch (e) {
    checks.push({ name: 'cache', ok: false, detail: (e as Error).message, fix: 'Pass a writable --cache-dir.', required: true });
  }
  // The executors' own checks: what `--executor auto` would find.
  const oci = await ociProblems();
  const runc = await has('runc', ['--version']);
  checks.push({ name: 'oci executor', ok: oci.length === 0, detail: oci.length ? oci.join('; ') : (runc ?? 'runc'), fix: 'Run as root with runc installed (apt-get install runc), or use --executor docker.', required: false });
  const docker = await dockerProblems();
  checks.push({ name: 'docker executor', ok: docker.length === 0, detail: docker.length ? docker.join('; ') : `engine at ${process.env.DOCKER_HOST ?? '/var/run/docker.sock'}`, fix: 'Start dockerd or set DOCKER_HOST.', required: false });
  const deb = await has('debootstrap', ['--version']);
  checks.push({ name: 'debootstrap', ok: !!deb, detail: deb ?? 'missing', fix: 'apt-get install debootstrap (needed by bootstrap() steps).', required: false });
  const anyExecutor = checks.filter((c) => c.name.endsWith('executor')).some((c) => c.ok);
  if (o.json) io.out(`${JSON.stringify({ ok: checks.every((c) => c.ok || !c.required) && anyExecutor, checks })}\n`);
  else {
    for (const c of checks) io.out(`${c.ok ? 'ok  ' : c.required ? 'FAIL' : 'warn'} ${c.name.padEnd(16)} ${c.detail}${!c.ok && c.fix ? `\n     fix: ${c.fix}` : ''}\n`);
    if (!anyExecutor) io.out('warn no executor: run() steps cannot execute here (targets without run() still build)\n');
  }
  return checks.every((c) => c.ok || !c.required) ? 0 : 1;
}
