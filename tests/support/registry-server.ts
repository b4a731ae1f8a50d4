// Starts a real CNCF distribution registry (Debian's docker-registry) on 127.0.0.1 with
// storage in a temp dir, optionally behind htpasswd auth. Shared by integration tests
// and benchmarks: keep the shape of RegistryServer stable.
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, writeFileSync, rmSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RegistryServer {
  /** `127.0.0.1:PORT`, what goes in image references. */
  host: string;
  port: number;
  pid: number;
  /** Temp dir holding config, storage and the registry's log. */
  dir: string;
  stop(): Promise<void>;
}

export interface RegistryServerOptions {
  /** Require these htpasswd credentials (bcrypt via `htpasswd -Bbn`). */
  auth?: { username: string; password: string };
  binary?: string;
}

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startRegistry(opts: RegistryServerOptions = {}): Promise<RegistryServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kp-registry-'));
  const port = await freePort();
  const lines = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: false',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
  ];
  if (opts.auth) {
    const line = execFileSync('htpasswd', ['-Bbn', opts.auth.username, opts.auth.password], { encoding: 'utf8' }).trim();
    writeFileSync(join(dir, 'htpasswd'), `${line}\n`);
    lines.push('auth:', '  htpasswd:', '    realm: kairos-test', `    path: ${join(dir, 'htpasswd')}`);
  }
  writeFileSync(join(dir, 'config.yml'), `${lines.join('\n')}\n`);
  const log = openSync(join(dir, 'registry.log'), 'a');
  const child = spawn(opts.binary ?? REGISTRY_BINARY, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', log, log], detached: false });
  closeSync(log);
  const pid = child.pid;
  if (!pid) throw new Error(`could not start ${opts.binary ?? REGISTRY_BINARY}`);
  let exited = false;
  child.once('exit', () => (exited = true));
  const stop = async (): Promise<void> => {
    if (!exited) {
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      process.kill(pid, 'SIGTERM');
      const timer = setTimeout(() => !exited && process.kill(pid, 'SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`docker-registry exited at start; config in ${dir}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v2/`);
      await res.body?.cancel();
      if (res.status === 200 || res.status === 401) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error('docker-registry did not answer on /v2/ within 15 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { host: `127.0.0.1:${port}`, port, pid, dir, stop };
}
