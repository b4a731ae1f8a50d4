import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCredentials } from '../../../../src/oci/registry/credentials.js';
import { CredentialHelperError } from '../../../../src/oci/registry/errors.js';

let dir: string;
let bin: string;
const b64 = (s: string) => Buffer.from(s).toString('base64');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kp-creds-'));
  bin = join(dir, 'bin');
  mkdirSync(bin);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function config(c: unknown): void {
  writeFileSync(join(dir, 'config.json'), JSON.stringify(c));
}

/** A fake docker-credential-<name> that answers for one server URL and logs what it was asked. */
function helper(name: string, server: string, user: string, secret: string): void {
  const path = join(bin, `docker-credential-${name}`);
  writeFileSync(
    path,
    `#!/bin/sh\nread url\necho "$1 $url" >> ${join(dir, `${name}.log`)}\nif [ "$url" = "${server}" ]; then printf '{"ServerURL":"%s","Username":"${user}","Secret":"${secret}"}' "$url"; else echo "credentials not found in native keychain"; exit 1; fi\n`,
  );
  chmodSync(path, 0o755);
}

const env = () => ({ PATH: `${bin}:/usr/bin:/bin`, HOME: join(dir, 'home') });

describe('findCredentials', () => {
  test('explicit credentials win', async () => {
    const r = await findCredentials('quay.io', { credentials: { username: 'a', password: 'b' }, dockerConfigDir: dir });
    expect(r).toEqual({ credentials: { username: 'a', password: 'b' }, source: 'the credentials option' });
  });

  test('auths with base64 auth, keyed by URL or host; Docker Hub by its legacy URL', async () => {
    config({ auths: { 'https://index.docker.io/v1/': { auth: b64('hub:s3cret') }, 'reg.lan:5000': { auth: b64('me:pa:ss') } } });
    expect(await findCredentials('docker.io', { dockerConfigDir: dir })).toEqual({ credentials: { username: 'hub', password: 's3cret' }, source: `${join(dir, 'config.json')} (auths)` });
    expect((await findCredentials('reg.lan:5000', { dockerConfigDir: dir })).credentials).toEqual({ username: 'me', password: 'pa:ss' });
    expect(await findCredentials('other.io', { dockerConfigDir: dir })).toEqual({ source: 'none' });
  });

  test('identity tokens are kept as such', async () => {
    config({ auths: { 'ghcr.io': { identitytoken: 'refresh-xyz' } } });
    expect((await findCredentials('ghcr.io', { dockerConfigDir: dir })).credentials).toEqual({ identityToken: 'refresh-xyz' });
  });

  test('DOCKER_CONFIG from the environment is respected', async () => {
    config({ auths: { 'quay.io': { auth: b64('q:w') } } });
    const r = await findCredentials('quay.io', { env: { DOCKER_CONFIG: dir, HOME: '/nonexistent' } });
    expect(r.credentials).toEqual({ username: 'q', password: 'w' });
  });

  test('credHelpers run docker-credential-<name> get with the server URL on stdin', async () => {
    helper('fake', 'quay.io', 'robot', 'tok3n');
    config({ credHelpers: { 'quay.io': 'fake' }, auths: { 'quay.io': { auth: b64('ignored:x') } } });
    const r = await findCredentials('quay.io', { dockerConfigDir: dir, env: env() });
    expect(r).toEqual({ credentials: { username: 'robot', password: 'tok3n' }, source: 'docker-credential-fake' });
    expect(readFileSync(join(dir, 'fake.log'), 'utf8')).toBe('get quay.io\n');
  });

  test('credsStore is the default helper; "not found" means anonymous', async () => {
    helper('store', 'https://index.docker.io/v1/', '<token>', 'idtok');
    config({ credsStore: 'store' });
    expect((await findCredentials('docker.io', { dockerConfigDir: dir, env: env() })).credentials).toEqual({ identityToken: 'idtok' });
    expect(await findCredentials('quay.io', { dockerConfigDir: dir, env: env() })).toEqual({ source: 'none' });
  });

  test('a missing helper is a clear error', async () => {
    config({ credsStore: 'nope' });
    const err = await findCredentials('quay.io', { dockerConfigDir: dir, env: env() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialHelperError);
    expect((err as Error).message).toContain('docker-credential-nope');
    expect((err as Error).message).toContain('quay.io');
  });

  test('no config file means anonymous', async () => {
    expect(await findCredentials('quay.io', { dockerConfigDir: join(dir, 'missing') })).toEqual({ source: 'none' });
  });
});
