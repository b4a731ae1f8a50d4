// The same step on the oci and docker executors gives the same layer: same
// entries (paths, types, modes, owners, sizes, bytes, links, xattrs) and,
// since both write through one deterministic writer, the same digest.
import { jest } from '@jest/globals';
import type { CacheStore } from '../../../src/cache/store.js';
import { cacheMount, run, secret } from '../../../src/dsl/steps/run.js';
import type { FsState } from '../../../src/oci/types.js';
import { debianBaseLayer, DEBIAN_BASE_TIMEOUT_MS } from '../../support/debian-base.js';
import { makeCtx, makeExecutor, problemsOf, readLayer, tempStore, type ReadEntry } from './harness.js';

jest.setTimeout(180_000);

const problems = [...(await problemsOf('oci')), ...(await problemsOf('docker'))];
const d = !problems.length || process.env.CI === 'true' ? describe : describe.skip;
const label = problems.length ? ` (skipped: ${problems.join('; ')})` : '';

// setxattr(2) is syscall 188 on x86_64; the capability is v2 cap_net_raw+ep.
const SETCAP =
  process.arch === 'x64'
    ? `perl -e 'my ($p, $n, $v) = ("/opt/tool/bin/tool", "security.capability", pack("C*", 1,0,0,2, 0,0x20,0,0, (0) x 12)); syscall(188, $p, $n, $v, 20, 0) == 0 or die "setxattr: $!"'`
    : 'true';

const STEP = [
  'set -e',
  'useradd -m -u 1500 -s /bin/bash agree',
  'mkdir -p /opt/tool/bin /opt/tool/share',
  'printf "#!/bin/sh\\necho tool\\n" > /opt/tool/bin/tool',
  'chown agree:agree /opt/tool/bin/tool && chmod 4750 /opt/tool/bin/tool',
  SETCAP,
  'ln /opt/tool/bin/tool /opt/tool/bin/tool-hardlink',
  'ln -s ../bin/tool /opt/tool/share/tool-symlink',
  'mknod /opt/tool/null c 1 3 && mkfifo /opt/tool/fifo',
  'chmod 700 /root',
  'rm /etc/issue.net && rm -rf /usr/share/doc-base',
  'rm -rf /etc/default && mkdir /etc/default && echo fresh > /etc/default/only',
  'echo "$AGREE_TOKEN" | wc -c > /opt/tool/token-length',
  'date > /var/cache/agree/stamp',
].join('\n');

d(`oci and docker executors agree${label}`, () => {
  let store: CacheStore;
  let cleanup: () => Promise<void>;
  let base: FsState;

  beforeAll(async () => {
    ({ store, cleanup } = await tempStore());
    base = await debianBaseLayer(store);
  }, DEBIAN_BASE_TIMEOUT_MS);
  afterAll(async () => {
    await cleanup?.();
  });

  const strip = (entries: ReadEntry[]): Array<Record<string, unknown>> =>
    entries.map((e) => ({ ...e, data: e.data?.toString('base64') }));

  test('useradd, mkdir, chmod, chown, setuid, capability, links, devices, deletions, opaque dir, mounts', async () => {
    const step = run(STEP, { mounts: [cacheMount('/var/cache/agree', { id: 'agree' })], secrets: [secret('AGREE_TOKEN')] });
    const secrets = { AGREE_TOKEN: 'agree-secret-value' };
    const oci = await makeExecutor('oci').run(base, step, makeCtx(store, { secrets }));
    const docker = await makeExecutor('docker').run(base, step, makeCtx(store, { secrets }));
    const a = await readLayer(store, oci);
    const b = await readLayer(store, docker);
    expect(strip(b)).toEqual(strip(a));
    expect(docker.digest).toBe(oci.digest);
    // And the layer holds what the step did, without mount points.
    const paths = a.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['etc/.wh.issue.net', 'usr/share/.wh.doc-base', 'etc/default/.wh..wh..opq', 'home/agree', 'opt/tool/null', 'opt/tool/fifo']));
    expect(paths.some((p) => p.startsWith('var/cache/agree') || p.startsWith('run/secrets'))).toBe(false);
    const tool = a.find((e) => e.path === 'opt/tool/bin/tool');
    expect(tool).toMatchObject({ type: 'file', mode: 0o4750, uid: 1500, gid: 1500 });
    if (process.arch === 'x64') expect(tool?.xattrs?.['security.capability']).toBeDefined();
    expect(a.find((e) => e.path === 'opt/tool/bin/tool-hardlink')).toMatchObject({ type: 'link', linkname: 'opt/tool/bin/tool' });
  });
});
