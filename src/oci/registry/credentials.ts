// Finds credentials for a registry: the explicit option, then the Docker config
// (credHelpers, auths, credsStore). Returns the secret with a printable source
// name; only the source name may ever reach a message or log.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CredentialHelperError } from './errors.js';
import { registryAliases, DOCKER_HUB } from './reference.js';

export type Credentials =
  | { username: string; password: string }
  /** An OAuth2 refresh token (docker config `identitytoken`, helper user `<token>`). */
  | { identityToken: string }
  /** A ready bearer token sent as is. */
  | { registryToken: string };

export interface FoundCredentials {
  credentials?: Credentials;
  /** e.g. 'none', 'the credentials option', '/home/u/.docker/config.json (auths)', 'docker-credential-pass'. */
  source: string;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string; registrytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

export interface CredentialLookup {
  credentials?: Credentials;
  dockerConfigDir?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export async function findCredentials(registry: string, opts: CredentialLookup): Promise<FoundCredentials> {
  if (opts.credentials) return { credentials: opts.credentials, source: 'the credentials option' };
  const env = opts.env ?? process.env;
  const dir = opts.dockerConfigDir ?? env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), '.docker');
  const file = join(dir, 'config.json');
  let config: DockerConfig;
  try {
    config = JSON.parse(await fs.readFile(file, 'utf8')) as DockerConfig;
  } catch {
    return { source: 'none' };
  }
  const keys = registryAliases(registry);
  const helper = pick(config.credHelpers, keys);
  if (helper) return fromHelper(helper, registry, env, opts.signal);
  const entry = pick(config.auths, keys);
  if (entry) {
    const c = decodeAuthEntry(entry);
    if (c) return { credentials: c, source: `${file} (auths)` };
  }
  if (config.credsStore) return fromHelper(config.credsStore, registry, env, opts.signal);
  return { source: 'none' };
}

/** Looks a registry up in a config map whose keys may be hosts or URLs (`https://index.docker.io/v1/`). */
function pick<T>(map: Record<string, T> | undefined, aliases: string[]): T | undefined {
  if (!map) return undefined;
  for (const [k, v] of Object.entries(map)) {
    const host = k.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
    if (aliases.includes(host)) return v;
  }
  return undefined;
}

function decodeAuthEntry(e: NonNullable<DockerConfig['auths']>[string]): Credentials | undefined {
  if (e.identitytoken) return { identityToken: e.identitytoken };
  if (e.registrytoken) return { registryToken: e.registrytoken };
  if (e.auth) {
    const plain = Buffer.from(e.auth, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i > 0) return { username: plain.slice(0, i), password: plain.slice(i + 1) };
  }
  if (e.username && e.password) return { username: e.username, password: e.password };
  return undefined;
}

/** The server URL helpers are keyed by; Docker Hub's is historical. */
function helperServerUrl(registry: string): string {
  return registry === DOCKER_HUB ? 'https://index.docker.io/v1/' : registry;
}

async function fromHelper(name: string, registry: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<FoundCredentials> {
  const bin = `docker-credential-${name}`;
  const { code, stdout, spawnError } = await run(bin, helperServerUrl(registry), env, signal);
  if (spawnError) throw new CredentialHelperError(bin, registry, spawnError === 'ENOENT' ? 'not found on PATH' : `could not start (${spawnError})`);
  if (code !== 0) {
    // The helper protocol's "no credentials" answer: fall back to anonymous.
    if (/credentials not found/i.test(stdout)) return { source: 'none' };
    throw new CredentialHelperError(bin, registry, `exited with status ${code}`);
  }
  let parsed: { Username?: string; Secret?: string };
  try {
    parsed = JSON.parse(stdout) as { Username?: string; Secret?: string };
  } catch {
    throw new CredentialHelperError(bin, registry, 'printed something that is not JSON');
  }
  if (!parsed.Secret) return { source: 'none' };
  const credentials: Credentials = parsed.Username === '<token>' ? { identityToken: parsed.Secret } : { username: parsed.Username ?? '', password: parsed.Secret };
  return { credentials, source: bin };
}

function run(bin: string, input: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<{ code: number; stdout: string; spawnError?: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'], signal, timeout: 60_000 });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.resume();
    child.on('error', (e: NodeJS.ErrnoException) => resolve({ code: -1, stdout: '', spawnError: e.code ?? e.message }));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
