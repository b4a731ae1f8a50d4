// Pure pieces shared by both executors: process spec, user resolution, mount
// stub pruning, output masking, cache-mount dir names.
import type { CacheStore } from '../../../src/cache/store.js';
import { run, secret } from '../../../src/dsl/steps/run.js';
import { processSpec } from '../../../src/executors/process.js';
import { resolveUser } from '../../../src/executors/users.js';
import { resolveInRoot, type LowerInfo, type LowerView } from '../../../src/executors/lower-view.js';
import { probeMounts, pruneMountStubs } from '../../../src/executors/mount-stubs.js';
import { maskSecrets, OutputLines } from '../../../src/executors/output.js';
import { cacheMountDir } from '../../../src/executors/cache-mounts.js';
import { MissingSecretError, UnknownUserError } from '../../../src/executors/errors.js';
import { emptyImageConfig, type FsState } from '../../../src/oci/types.js';
import type { LayerEntry } from '../../../src/oci/layer/entry.js';

function fakeView(files: Record<string, LowerInfo | string>): LowerView {
  return {
    async lstat(rel) {
      const v = files[rel];
      if (v === undefined) return rel === '' ? { type: 'directory', mode: 0o755, uid: 0, gid: 0 } : undefined;
      return typeof v === 'string' ? { type: 'other', mode: 0o644, uid: 0, gid: 0 } : v;
    },
    async read(rel) {
      const v = files[rel];
      return typeof v === 'string' ? Buffer.from(v) : undefined;
    },
  };
}

const dir = (mode = 0o755): LowerInfo => ({ type: 'directory', mode, uid: 0, gid: 0 });

function state(config: FsState['config']['config']): FsState {
  const c = emptyImageConfig();
  c.config = config;
  return { layers: [], config: c };
}

describe('processSpec', () => {
  test('string commands use the image Shell, arrays run as is; env layers image < step < secrets', () => {
    const s = state({ Env: ['A=image', 'B=image'], Shell: ['/bin/bash', '-lc'], WorkingDir: '/w', User: 'bob' });
    const p = processSpec(s, run('echo hi', { env: { B: 'step' }, secrets: [secret('TOK', { env: 'B' })] }), { TOK: 'x' }, '+t[0]');
    expect(p.args).toEqual(['/bin/bash', '-lc', 'echo hi']);
    expect(p.env).toEqual(expect.arrayContaining(['A=image', 'B=x', `PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`]));
    expect(p).toMatchObject({ cwd: '/w', user: 'bob', secretFiles: { TOK: 'x' } });
    expect(processSpec(state({}), run(['/bin/true', 'a b']), {}, '+t[0]').args).toEqual(['/bin/true', 'a b']);
    expect(processSpec(state({}), run('x'), {}, '+t[0]').args).toEqual(['/bin/sh', '-c', 'x']);
  });

  test('a secret the CLI did not provide is an error that says how to pass it', () => {
    expect(() => processSpec(state({}), run('x', { secrets: [secret('GH')] }), {}, '+t[0]')).toThrow(MissingSecretError);
  });

  test('never reads the host environment', () => {
    process.env.KP_HOST_ONLY = 'leak';
    expect(processSpec(state({}), run('x'), {}, '+t[0]').env.join('\n')).not.toContain('leak');
    delete process.env.KP_HOST_ONLY;
  });
});

describe('resolveUser', () => {
  const view = fakeView({
    etc: dir(),
    'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nbob:x:1000:1001::/home/bob:/bin/sh\n',
    'etc/group': 'root:x:0:\nbobs:x:1001:\naudio:x:29:bob\nvideo:x:44:alice,bob\n',
  });
  test('names, numbers, user:group and supplementary groups', async () => {
    expect(await resolveUser(view, '', '+t')).toEqual({ uid: 0, gid: 0, additionalGids: [], home: '/root' });
    expect(await resolveUser(view, 'bob', '+t')).toEqual({ uid: 1000, gid: 1001, additionalGids: [29, 44], home: '/home/bob' });
    expect(await resolveUser(view, '1000:audio', '+t')).toMatchObject({ uid: 1000, gid: 29, additionalGids: [] });
    expect(await resolveUser(view, '4242', '+t')).toEqual({ uid: 4242, gid: 0, additionalGids: [], home: '/' });
  });
  test('an unknown name is an error', async () => {
    await expect(resolveUser(view, 'mallory', '+t')).rejects.toBeInstanceOf(UnknownUserError);
    await expect(resolveUser(view, 'bob:nogroup', '+t')).rejects.toBeInstanceOf(UnknownUserError);
  });
});

describe('resolveInRoot', () => {
  test('follows symlinks as if chrooted, never above the root', async () => {
    const view = fakeView({ var: dir(), 'var/run': { type: 'symlink', mode: 0o777, uid: 0, gid: 0, linkname: '/run' }, up: { type: 'symlink', mode: 0o777, uid: 0, gid: 0, linkname: '../../..' } });
    expect(await resolveInRoot(view, '/var/run/secrets')).toBe('run/secrets');
    expect(await resolveInRoot(view, '/up/etc')).toBe('etc');
  });
});

describe('pruneMountStubs', () => {
  const e = (path: string, type: LayerEntry['type'] = 'directory', mode = 0o755): { entry: LayerEntry } => ({ entry: { path, type, mode, uid: 0, gid: 0, size: 0, mtime: 0 } });
  test('drops runtime-made mount points and parents copied up only for them, keeps real changes', async () => {
    const view = fakeView({ etc: dir(), run: dir(), var: dir(), 'var/cache': dir() });
    const probe = await probeMounts(view, ['/etc/hosts', '/run/secrets', '/var/cache/apt', '/opt/new/cache']);
    const entries = [
      e('etc'), e('etc/hosts', 'file', 0o644), e('etc/passwd', 'file', 0o644),
      e('opt'), e('opt/new'), e('opt/new/cache'),
      e('run'), e('run/secrets'),
      e('var'), e('var/cache', 'directory', 0o700), e('var/cache/apt'),
    ];
    expect(pruneMountStubs(entries, probe).map((w) => w.entry.path)).toEqual(['etc', 'etc/passwd', 'var', 'var/cache']);
  });
});

describe('output', () => {
  test('lines are split across chunks, masked, and the tail is kept', () => {
    const seen: string[] = [];
    const out = new OutputLines((l) => seen.push(l), ['hunter2']);
    out.push('a\nb', 'stdout');
    out.push('c pw=hunter2\n', 'stdout');
    out.push('no newline', 'stderr');
    out.flush();
    expect(seen).toEqual(['a', 'bc pw=***', 'no newline']);
    expect(out.tail).toEqual(seen);
    expect(maskSecrets('xx', [''])).toBe('xx');
  });
});

test('cache mount dirs are readable, distinct for ids that differ only in punctuation, and inside the store', () => {
  const store = { root: '/c' } as CacheStore;
  const a = cacheMountDir(store, '/var/cache/apt');
  const b = cacheMountDir(store, 'var_cache_apt');
  expect(a).toMatch(/^\/c\/mounts\/var_cache_apt-[0-9a-f]{12}$/);
  expect(a).not.toBe(b);
  expect(cacheMountDir(store, '../../etc')).toMatch(/^\/c\/mounts\/etc-/);
});
