// Auth against real servers on loopback: docker-registry with htpasswd (basic), and a
// bearer-token setup (our token server + a proxy that demands its tokens). Credentials
// come from the option, a Docker config file, DOCKER_CONFIG and a credential helper.
import { jest } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CacheStore } from '../../../src/cache/store.js';
import { pullImage, pushImage, resolveImage, type PushImageInput } from '../../../src/oci/registry/index.js';
import { RegistryAuthError } from '../../../src/oci/registry/errors.js';
import { startRegistry, type RegistryServer } from '../../support/registry-server.js';
import { startTokenServer, type TokenServer } from '../../support/token-server.js';
import { startProxy, type Proxy } from './proxy.js';
import { buildOciLayout, randomFiles, skopeoCopy, type BuiltImage } from './oci-fixture.js';

jest.setTimeout(60_000);

const USER = 'kairos';
const PASSWORD = 'C0rrect-Horse-9f1e';
const WRONG = 'Wr0ng-Secret-77d3';
const opts = { retryDelayMs: 10 };

let basic: RegistryServer;
let plain: RegistryServer;
let tokens: TokenServer;
let tokenProxy: Proxy;
let work: string;
let image: BuiltImage;
const stores: string[] = [];

async function freshStore(): Promise<CacheStore> {
  const dir = mkdtempSync(join(tmpdir(), 'kp-store-'));
  stores.push(dir);
  return CacheStore.open(dir);
}

/** Every string an error exposes: none may contain a secret. */
function exposed(e: unknown): string {
  const err = e as Error & { hint?: string };
  return [err.message, err.hint, err.stack, JSON.stringify(err), String(err)].join('\n');
}

function dockerConfig(name: string, content: unknown): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(content));
  return dir;
}

function asPushable(store: CacheStore, pulled: Awaited<ReturnType<typeof pullImage>>): Promise<PushImageInput> {
  return store.readBlob(pulled.manifestDigest).then((b) => {
    const manifest = JSON.parse(b!.toString()) as PushImageInput['manifest'];
    return { manifest: { ...manifest, layers: pulled.layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })) }, layers: pulled.layers };
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'kp-auth-'));
  basic = await startRegistry({ auth: { username: USER, password: PASSWORD } });
  plain = await startRegistry();
  tokens = await startTokenServer({ users: { [USER]: PASSWORD } });
  tokenProxy = await startProxy(plain, { tokens });
  const built = await buildOciLayout(join(work, 'img'), 'v1', [{ layers: [{ files: randomFiles(2, 50_000) }, { files: { 'etc/hostname': 'kairos\n' } }] }]);
  image = built.images[0];
  await skopeoCopy(`oci:${join(work, 'img')}:v1`, `docker://${basic.host}/test/app:v1`, ['--dest-creds', `${USER}:${PASSWORD}`]);
  await skopeoCopy(`oci:${join(work, 'img')}:v1`, `docker://${plain.host}/test/app:v1`);
});

afterAll(async () => {
  await tokenProxy?.stop();
  await tokens?.stop();
  await basic?.stop();
  await plain?.stop();
  rmSync(work, { recursive: true, force: true });
  for (const d of stores) rmSync(d, { recursive: true, force: true });
});

describe('basic auth (htpasswd)', () => {
  test('explicit credentials pull', async () => {
    const pulled = await pullImage(`${basic.host}/test/app:v1`, await freshStore(), { ...opts, credentials: { username: USER, password: PASSWORD } });
    expect(pulled.configDigest).toBe(image.configDigest);
  });

  test('wrong credentials: the error names registry, repository and source, never the password', async () => {
    const err = await pullImage(`${basic.host}/test/app:v1`, await freshStore(), { ...opts, credentials: { username: USER, password: WRONG } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryAuthError);
    const e = err as RegistryAuthError;
    expect(e.code).toBe('REGISTRY_AUTH');
    expect(e.status).toBe(401);
    expect(e.message).toContain(basic.host);
    expect(e.message).toContain('test/app');
    expect(e.message).toContain('the credentials option');
    expect(exposed(e)).not.toContain(WRONG);
    expect(exposed(e)).not.toContain(Buffer.from(`${USER}:${WRONG}`).toString('base64'));
  });

  test('no credentials: the error says none were found and how to log in', async () => {
    const err = await resolveImage(`${basic.host}/test/app:v1`, { ...opts, dockerConfigDir: join(work, 'empty') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryAuthError);
    expect((err as RegistryAuthError).credentialSource).toBe('none');
    expect((err as RegistryAuthError).hint).toContain(`docker login ${basic.host}`);
  });

  test('credentials from a Docker config file (dockerConfigDir and DOCKER_CONFIG)', async () => {
    const dir = dockerConfig('cfg-auths', { auths: { [`http://${basic.host}`]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } });
    const r1 = await resolveImage(`${basic.host}/test/app:v1`, { ...opts, dockerConfigDir: dir });
    expect(r1.manifest.config.digest).toBe(image.configDigest);
    const r2 = await resolveImage(`${basic.host}/test/app:v1`, { ...opts, env: { DOCKER_CONFIG: dir } });
    expect(r2.digest).toBe(r1.digest);
    const bad = dockerConfig('cfg-bad', { auths: { [basic.host]: { auth: Buffer.from(`${USER}:${WRONG}`).toString('base64') } } });
    const err = await resolveImage(`${basic.host}/test/app:v1`, { ...opts, dockerConfigDir: bad }).catch((e: unknown) => e);
    expect((err as RegistryAuthError).credentialSource).toBe(`${join(bad, 'config.json')} (auths)`);
    expect(exposed(err)).not.toContain(WRONG);
  });

  test('credentials from a credential helper; push with them', async () => {
    const bin = join(work, 'helper-bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'docker-credential-kptest'), `#!/bin/sh\nread url\nprintf '{"ServerURL":"%s","Username":"${USER}","Secret":"${PASSWORD}"}' "$url"\n`);
    chmodSync(join(bin, 'docker-credential-kptest'), 0o755);
    const dir = dockerConfig('cfg-helper', { credHelpers: { [basic.host]: 'kptest' } });
    const env = { PATH: `${bin}:/usr/bin:/bin` };
    const store = await freshStore();
    const pulled = await pullImage(`${basic.host}/test/app:v1`, store, { ...opts, dockerConfigDir: dir, env });
    const pushed = await pushImage(store, await asPushable(store, pulled), `${basic.host}/test/copy:v1`, { ...opts, dockerConfigDir: dir, env });
    const again = await resolveImage(`${basic.host}/test/copy:v1`, { ...opts, dockerConfigDir: dir, env });
    expect(again.digest).toBe(pushed.digest);
  });
});

describe('bearer token auth', () => {
  test('pull and push with tokens for the right scopes', async () => {
    tokens.requests.length = 0;
    const store = await freshStore();
    const creds = { credentials: { username: USER, password: PASSWORD } };
    const pulled = await pullImage(`${tokenProxy.host}/test/app:v1`, store, { ...opts, ...creds });
    expect(pulled.layers.map((l) => l.diffId)).toEqual(image.layers.map((l) => l.diffId));
    expect(tokens.requests.some((r) => r.account === USER && r.scopes.includes('repository:test/app:pull') && r.granted)).toBe(true);
    const pushed = await pushImage(store, await asPushable(store, pulled), `${tokenProxy.host}/test/pushed:v1`, { ...opts, ...creds, mountFrom: ['test/app'], compression: 'gzip' });
    expect(tokens.requests.some((r) => r.scopes.includes('repository:test/pushed:pull,push') && r.scopes.includes('repository:test/app:pull'))).toBe(true);
    expect(Object.values(pushed.blobs)).toEqual(['mounted', 'mounted', 'mounted']);
    const check = await resolveImage(`${plain.host}/test/pushed:v1`, opts);
    expect(check.digest).toBe(pushed.digest);
  });

  test('wrong credentials at the token server: a clear error without the secret', async () => {
    const err = await pullImage(`${tokenProxy.host}/test/app:v1`, await freshStore(), { ...opts, credentials: { username: USER, password: WRONG } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryAuthError);
    expect((err as Error).message).toContain(tokenProxy.host);
    expect((err as Error).message).toContain('test/app');
    expect(exposed(err)).not.toContain(WRONG);
  });

  test('an anonymous token without access is reported as an auth error', async () => {
    const err = await resolveImage(`${tokenProxy.host}/test/app:v1`, { ...opts, dockerConfigDir: join(work, 'empty') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryAuthError);
    expect((err as RegistryAuthError).credentialSource).toBe('none');
  });
});
