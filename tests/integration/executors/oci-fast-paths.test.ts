// The oci executor's per-step shortcuts must not change what a step produces or
// leaves behind: the spawn helper relays output and exit status as Node's spawn
// would; a step that changes nothing gives the constant empty layer (and an
// unchanged rootfs); the overlay is mounted volatile; a runc started before its
// config is killed when preparing fails or the step is aborted; a config larger
// than the FIFO's buffer still arrives whole; and the layer of a step that does
// everything (owners, setuid, capability, hardlinks, devices, whiteouts, opaque
// dirs, mounts) is what the agreement test expects of both executors.
import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CacheStore } from '../../../src/cache/store.js';
import { cacheMount, run, secret } from '../../../src/dsl/steps/run.js';
import { cacheMountDir } from '../../../src/executors/cache-mounts.js';
import { UnknownUserError } from '../../../src/executors/errors.js';
import { EMPTY_LAYER } from '../../../src/executors/layer-out.js';
import { OciExecutor } from '../../../src/executors/oci/executor.js';
import { spareRuncs } from '../../../src/executors/oci/runc.js';
import { spawnViaHelper } from '../../../src/executors/oci/spawner.js';
import { flattenLayers } from '../../../src/oci/layer/flatten.js';
import { indexTar } from '../../../src/oci/layer/tar-index.js';
import type { FsState } from '../../../src/oci/types.js';
import { debianBaseLayer, DEBIAN_BASE_TIMEOUT_MS } from '../../support/debian-base.js';
import { describeIfAvailable, leftovers, makeCtx, NOTHING_LEFT, readLayer, tempStore } from './harness.js';

jest.setTimeout(120_000);

const execFileP = promisify(execFile);

/**
 * runc processes started by this process (directly or through the executor's
 * spawn helper), but for spares waiting for a next step. Test files that ran
 * before in this jest worker may have left spares of their own module instance:
 * take `except` (what was there before a test) out too.
 */
async function runcChildren(except: number[] = []): Promise<number[]> {
  const procs: Array<{ pid: number; ppid: number; comm: string }> = [];
  for (const p of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const m = /^\d+ \((.*)\) \S+ (\d+)/.exec(await fs.readFile(`/proc/${p}/stat`, 'utf8').catch(() => ''));
    if (m) procs.push({ pid: Number(p), ppid: Number(m[2]), comm: m[1] });
  }
  const ours = new Set([process.pid, ...procs.filter((p) => p.ppid === process.pid).map((p) => p.pid)]);
  const skip = new Set([...(await spareRuncs()).map((r) => r.pid), ...except]);
  return procs.filter((p) => ours.has(p.ppid) && p.comm.startsWith('runc') && !skip.has(p.pid)).map((p) => p.pid);
}

async function flatPaths(store: CacheStore, state: FsState): Promise<string[]> {
  return (await flattenLayers(state.layers.map((l) => store.blobPath(l.digest)))).map((f) => `${f.entry.path} ${f.entry.type} ${f.entry.mode} ${f.entry.uid}:${f.entry.gid} ${f.entry.size}`);
}

/** Runs argv through the spawn helper, collecting its output. */
async function viaHelper(argv: string[], onStart?: (kill: (sig: number) => void) => void): Promise<{ code: number; signal?: number; stdout: string; stderr: string; error?: Error }> {
  const got = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  const child = spawnViaHelper(argv, (d, stream) => got[stream].push(d));
  onStart?.((sig) => child.kill(sig));
  const r = await child.exited;
  expect(child.gone).toBe(true);
  return { ...r, stdout: Buffer.concat(got.stdout).toString(), stderr: Buffer.concat(got.stderr).toString() };
}

describe('the spawn helper', () => {
  test('relays stdout and stderr whole and in order, then the exit code', async () => {
    const r = await viaHelper(['sh', '-c', 'printf a; printf b >&2; head -c 300000 /dev/zero | tr "\\0" x; printf c >&2; exit 3']);
    expect(r).toMatchObject({ code: 3, stderr: 'bc' });
    expect(r.stdout).toBe(`a${'x'.repeat(300000)}`);
  });

  test('runs children side by side without mixing their output', async () => {
    const rs = await Promise.all([1, 2, 3, 4, 5].map((i) => viaHelper(['sh', '-c', `for n in 1 2 3; do echo ${i}-$n; sleep 0.0${i}; done`])));
    rs.forEach((r, i) => expect(r).toMatchObject({ code: 0, stdout: [1, 2, 3].map((n) => `${i + 1}-${n}\n`).join('') }));
  });

  test('signals a running child and reports how it died', async () => {
    const r = await viaHelper(['sleep', '30'], (kill) => setTimeout(() => kill(15), 200));
    expect(r).toMatchObject({ code: 128 + 15, signal: 15 });
  });

  test('a program that is not there is an ENOENT error, not an exit code', async () => {
    const r = await viaHelper(['kairos-pipe-no-such-binary']);
    expect(r.code).toBe(-1);
    expect(r.error).toMatchObject({ code: 'ENOENT' });
  });

  test('the child gets stdin from /dev/null and default signal dispositions', async () => {
    const r = await viaHelper(['sh', '-c', 'cat; grep -E "^Sig(Ign|Blk)" /proc/self/status']);
    expect(r.stdout).toBe('SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n');
  });
});

const { d, label } = await describeIfAvailable('oci');
d(`oci executor fast paths (${label})`, () => {
  let store: CacheStore;
  let cleanup: () => Promise<void>;
  let base: FsState;
  const ex = new OciExecutor();

  beforeAll(async () => {
    ({ store, cleanup } = await tempStore());
    base = await debianBaseLayer(store);
  }, DEBIAN_BASE_TIMEOUT_MS);
  afterAll(async () => {
    await cleanup?.();
  });

  test('a step that changes nothing yields the empty layer, stored once, and the rootfs is unchanged', async () => {
    expect(existsSync(store.blobPath(EMPTY_LAYER.digest))).toBe(false);
    const first = await ex.run(base, run('true'), makeCtx(store));
    expect(first).toEqual(EMPTY_LAYER);
    // A valid tar with no entries, under its digest.
    expect(await indexTar(store.blobPath(first.digest))).toEqual([]);
    expect((await fs.stat(store.blobPath(first.digest))).size).toBe(EMPTY_LAYER.size);
    // Reading files changes nothing either; the blob is already there the second time.
    const second = await ex.run(base, run('cat /etc/passwd > /dev/null && ls / > /dev/null'), makeCtx(store));
    expect(second).toEqual(EMPTY_LAYER);
    const after: FsState = { ...base, layers: [...base.layers, first, second] };
    expect(await flatPaths(store, after)).toEqual(await flatPaths(store, base));
    expect(await leftovers(store)).toEqual(NOTHING_LEFT);
  });

  test('the overlay is mounted volatile (no syncfs of the host file system on unmount)', async () => {
    const ctx = makeCtx(store);
    // Older kernels list the option as `volatile`, newer ones as `fsync=volatile`.
    await ex.run(base, run(`awk '$5 == "/" { print $NF }' /proc/self/mountinfo | tr ',' '\\n' | grep -xE '(fsync=)?volatile'`), ctx);
    expect(ctx.lines).toEqual([expect.stringMatching(/^(fsync=)?volatile$/)]);
  });

  test('a config larger than the FIFO buffer arrives whole', async () => {
    // One env string may not pass 128 KiB (MAX_ARG_STRLEN): four of 50 000 bytes.
    const env = Object.fromEntries(['B1', 'B2', 'B3', 'B4'].map((k) => [k, k.repeat(25_000)]));
    const ctx = makeCtx(store);
    await ex.run(base, run('printf %s "$B1$B2$B3$B4" | wc -c', { env }), ctx);
    expect(ctx.lines).toEqual(['200000']);
  });

  test('a step that fails before it starts kills the waiting runc and leaves nothing behind', async () => {
    const foreign = await runcChildren();
    const state: FsState = { ...base, config: { ...base.config, config: { ...base.config.config, User: 'nobody-here' } } };
    const err = await ex.run(state, run('true'), makeCtx(store)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownUserError);
    expect(await runcChildren(foreign)).toEqual([]);
    expect(await leftovers(store)).toEqual(NOTHING_LEFT);
  });

  test('an abort while the step is being prepared kills the waiting runc and leaves nothing behind', async () => {
    // The step waits for a locked cache mount (held here), after runc was started.
    const id = `held-${randomBytes(4).toString('hex')}`;
    const lock = `${cacheMountDir(store, id)}.lock`;
    await fs.mkdir(join(store.root, 'mounts'), { recursive: true });
    await fs.writeFile(lock, String(process.pid));
    const foreign = await runcChildren();
    const ac = new AbortController();
    const started = ex.run(base, run('touch /never', { mounts: [cacheMount('/var/cache/held', { id, sharing: 'locked' })] }), makeCtx(store, { signal: ac.signal }));
    try {
      for (let i = 0; i < 100 && !(await runcChildren(foreign)).length; i++) await new Promise((r) => setTimeout(r, 50));
      expect((await runcChildren(foreign)).length).toBe(1);
      ac.abort();
      expect(await started.then(() => 'finished', (e: unknown) => (e as Error).name)).not.toBe('finished');
    } finally {
      await fs.rm(lock, { force: true });
    }
    expect(await runcChildren(foreign)).toEqual([]);
    expect(await leftovers(store)).toEqual(NOTHING_LEFT);
  });

  test('a step leaves a spare runc waiting; the next step runs on it and leaves a new one', async () => {
    await ex.run(base, run('true'), makeCtx(store));
    for (let i = 0; i < 200 && !(await spareRuncs()).length; i++) await new Promise((r) => setTimeout(r, 25));
    const [first] = await spareRuncs();
    expect(first.pid).toBeGreaterThan(0);
    expect(existsSync(join(first.bundle, 'config.json'))).toBe(true);
    const ctx = makeCtx(store);
    const layer = await ex.run(base, run('echo "on the spare"; touch /made'), ctx);
    expect(ctx.lines).toEqual(['on the spare']);
    expect((await readLayer(store, layer)).map((e) => e.path)).toEqual(['made']);
    // The spare ran that step and is gone, bundle and all; another one waits.
    expect(existsSync(`/proc/${first.pid}`)).toBe(false);
    expect(existsSync(first.bundle)).toBe(false);
    for (let i = 0; i < 200 && !(await spareRuncs()).length; i++) await new Promise((r) => setTimeout(r, 25));
    const [second] = await spareRuncs();
    expect(second.pid).not.toBe(first.pid);
    expect(await leftovers(store)).toEqual(NOTHING_LEFT);
  });

  test('a process that ran a step exits by itself, and its spare runc and bundle dir go with it', async () => {
    const stateFile = join(store.root, 'state.json');
    await fs.writeFile(stateFile, JSON.stringify(base));
    try {
      const script = join(process.cwd(), 'tests/fixtures/executors/oci-step-then-return.ts');
      const { stdout } = await execFileP(process.execPath, ['bin/run-ts.js', script, store.root, stateFile], { timeout: 60_000 });
      const { layer, spares } = JSON.parse(stdout) as { layer: unknown; spares: Array<{ pid: number; bundle: string }> };
      expect(layer).toEqual(EMPTY_LAYER);
      expect(spares).toHaveLength(1);
      // The bundle dir goes with the process's exit; runc reads EOF on its config and exits.
      expect(existsSync(spares[0].bundle)).toBe(false);
      for (let i = 0; i < 100 && existsSync(`/proc/${spares[0].pid}`); i++) await new Promise((r) => setTimeout(r, 50));
      expect(existsSync(`/proc/${spares[0].pid}`)).toBe(false);
    } finally {
      await fs.rm(stateFile, { force: true });
    }
    expect(await leftovers(store)).toEqual(NOTHING_LEFT);
  });

  test('owners, setuid, capability, hardlinks, devices, whiteouts, opaque dirs and mounts in one layer', async () => {
    const setcap =
      process.arch === 'x64'
        ? `perl -e 'my ($p, $n, $v) = ("/opt/tool/bin/tool", "security.capability", pack("C*", 1,0,0,2, 0,0x20,0,0, (0) x 12)); syscall(188, $p, $n, $v, 20, 0) == 0 or die "setxattr: $!"'`
        : 'true';
    const script = [
      'set -e',
      'useradd -m -u 1500 -s /bin/bash agree',
      'mkdir -p /opt/tool/bin /opt/tool/share',
      'printf "#!/bin/sh\\necho tool\\n" > /opt/tool/bin/tool',
      'chown agree:agree /opt/tool/bin/tool && chmod 4750 /opt/tool/bin/tool',
      setcap,
      'ln /opt/tool/bin/tool /opt/tool/bin/tool-hardlink',
      'ln -s ../bin/tool /opt/tool/share/tool-symlink',
      'mknod /opt/tool/null c 1 3 && mkfifo /opt/tool/fifo',
      'rm /etc/issue.net && rm -rf /usr/share/doc-base',
      'rm -rf /etc/default && mkdir /etc/default && echo fresh > /etc/default/only',
      'echo "$AGREE_TOKEN" | wc -c > /opt/tool/token-length',
      'date > /var/cache/agree/stamp',
    ].join('\n');
    const step = run(script, { mounts: [cacheMount('/var/cache/agree', { id: 'agree' })], secrets: [secret('AGREE_TOKEN')] });
    const layer = await ex.run(base, step, makeCtx(store, { secrets: { AGREE_TOKEN: 'agree-secret-value' } }));
    const a = await readLayer(store, layer);
    const paths = a.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['etc/.wh.issue.net', 'usr/share/.wh.doc-base', 'etc/default/.wh..wh..opq', 'etc/default/only', 'home/agree', 'opt/tool/fifo']));
    expect(paths.some((p) => p.startsWith('var/cache/agree') || p.startsWith('run/secrets'))).toBe(false);
    expect(a.find((e) => e.path === 'opt/tool/bin/tool')).toMatchObject({ type: 'file', mode: 0o4750, uid: 1500, gid: 1500 });
    if (process.arch === 'x64') expect(a.find((e) => e.path === 'opt/tool/bin/tool')?.xattrs?.['security.capability']).toBeDefined();
    expect(a.find((e) => e.path === 'opt/tool/bin/tool-hardlink')).toMatchObject({ type: 'link', linkname: 'opt/tool/bin/tool' });
    expect(a.find((e) => e.path === 'opt/tool/share/tool-symlink')).toMatchObject({ type: 'symlink', linkname: '../bin/tool' });
    expect(a.find((e) => e.path === 'opt/tool/null')).toMatchObject({ type: 'character-device', devmajor: 1, devminor: 3 });
    expect(a.find((e) => e.path === 'opt/tool/token-length')?.data?.toString()).toBe('19\n');
    expect(await leftovers(store)).toEqual(NOTHING_LEFT);
  });
});
