// run() on both executors against a real runc / dockerd and the Debian base:
// env/workdir/user, cache mounts, secrets, network none, whiteouts, failures
// and Ctrl-C leave nothing behind.
import { jest } from '@jest/globals';
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { CacheStore } from '../../../src/cache/store.js';
import { cacheMount, run, secret } from '../../../src/dsl/steps/run.js';
import { cacheMountDir } from '../../../src/executors/cache-mounts.js';
import { RunAbortedError, RunFailedError } from '../../../src/executors/errors.js';
import { EMPTY_LAYER } from '../../../src/executors/layer-out.js';
import type { Executor } from '../../../src/executors/types.js';
import { flattenLayers } from '../../../src/oci/layer/flatten.js';
import type { FsState, LayerDesc } from '../../../src/oci/types.js';
import { debianBaseLayer, DEBIAN_BASE_TIMEOUT_MS } from '../../support/debian-base.js';
import { blobNames, describeIfAvailable, leftovers, makeCtx, makeExecutor, NOTHING_LEFT, readLayer, tempStore, type Kind } from './harness.js';

jest.setTimeout(120_000);

function child(state: FsState, layer: LayerDesc, config: Partial<FsState['config']['config']> = {}): FsState {
  return {
    layers: [...state.layers, layer],
    config: { ...state.config, config: { ...state.config.config, ...config }, rootfs: { type: 'layers', diff_ids: [...state.config.rootfs.diff_ids, layer.diffId] } },
  };
}

for (const kind of ['oci', 'docker'] as Kind[]) {
  const { d, label } = await describeIfAvailable(kind);
  d(`run() on the ${label} executor`, () => {
    let store: CacheStore;
    let cleanup: () => Promise<void>;
    let base: FsState;
    let ex: Executor;

    beforeAll(async () => {
      ({ store, cleanup } = await tempStore());
      base = await debianBaseLayer(store);
      ex = makeExecutor(kind);
    }, DEBIAN_BASE_TIMEOUT_MS);
    afterAll(async () => {
      await cleanup?.();
    });

    test('applies image env, step env, working dir and user', async () => {
      const withUser = child(base, await ex.run(base, run('useradd -m -u 1234 bob'), makeCtx(store)));
      const state: FsState = { ...withUser, config: { ...withUser.config, config: { ...withUser.config.config, Env: [...(withUser.config.config.Env ?? []), 'FROM_IMAGE=img'], WorkingDir: '/srv/app', User: 'bob' } } };
      const ctx = makeCtx(store);
      const layer = await ex.run(state, run('echo "$FROM_IMAGE $FROM_STEP $(pwd) $(id -u):$(id -g) $HOME" | tee /tmp/out', { env: { FROM_STEP: 'step' } }), ctx);
      expect(ctx.lines).toContain('img step /srv/app 1234:1234 /home/bob');
      const entries = await readLayer(store, layer);
      const out = entries.find((e) => e.path === 'tmp/out');
      expect(out?.data?.toString()).toBe('img step /srv/app 1234:1234 /home/bob\n');
      expect(out).toMatchObject({ uid: 1234, gid: 1234 });
      // The missing working dir is created, as Docker does, and belongs to the layer.
      expect(entries.find((e) => e.path === 'srv/app')).toMatchObject({ type: 'directory', uid: 0, mode: 0o755 });
    });

    test('runs an array command without a shell', async () => {
      const ctx = makeCtx(store);
      await ex.run(base, run(['/bin/echo', '$HOME', 'a  b']), ctx);
      expect(ctx.lines).toEqual(['$HOME a  b']);
    });

    test('cache mounts persist across runs and never enter the layer', async () => {
      const id = `test-${kind}-${randomBytes(4).toString('hex')}`;
      const step = run('echo run >> /var/cache/kp/log && wc -l < /var/cache/kp/log', { mounts: [cacheMount('/var/cache/kp', { id, sharing: 'locked' })] });
      const first = makeCtx(store);
      const l1 = await ex.run(base, step, first);
      const second = makeCtx(store);
      const l2 = await ex.run(base, step, second);
      expect(first.lines).toEqual(['1']);
      expect(second.lines).toEqual(['2']);
      expect(await fs.readFile(join(cacheMountDir(store, id), 'log'), 'utf8')).toBe('run\nrun\n');
      for (const l of [l1, l2]) expect((await readLayer(store, l)).map((e) => e.path)).toEqual([]);
      await expect(fs.access(`${cacheMountDir(store, id)}.lock`)).rejects.toThrow();
    });

    test('secrets reach env and /run/secrets, are masked in logs, and appear in no blob', async () => {
      const value = `s3cr3t-${randomBytes(8).toString('hex')}`;
      const ctx = makeCtx(store, { secrets: { TOKEN: value } });
      const layer = await ex.run(base, run('echo "env $TOKEN"; echo "file $(cat /run/secrets/TOKEN)"; echo kept > /kept', { secrets: [secret('TOKEN')] }), ctx);
      expect(ctx.lines).toEqual(['env ***', 'file ***']);
      expect((await readLayer(store, layer)).map((e) => e.path)).toEqual(['kept']);
      for (const b of await blobNames(store)) {
        expect((await fs.readFile(join(store.root, 'blobs', 'sha256', b))).includes(value)).toBe(false);
      }
    });

    test("network 'none' leaves only the loopback interface", async () => {
      const ctx = makeCtx(store);
      await ex.run(base, run("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '", { network: 'none' }), ctx);
      expect(ctx.lines).toEqual(['lo']);
    });

    test('deletions become whiteouts and vanish from the flattened rootfs', async () => {
      const layer = await ex.run(base, run('rm /etc/issue && rm -rf /etc/default && mkdir /etc/default && echo z > /etc/default/z && rm -rf /usr/share/doc'), makeCtx(store));
      const paths = (await readLayer(store, layer)).map((e) => e.path);
      expect(paths).toEqual(expect.arrayContaining(['etc/.wh.issue', 'etc/default/.wh..wh..opq', 'etc/default/z', 'usr/share/.wh.doc']));
      const flat = (await flattenLayers([...base.layers, layer].map((l) => store.blobPath(l.digest)))).map((f) => f.entry.path);
      expect(flat).not.toContain('etc/issue');
      expect(flat.filter((p) => p.startsWith('etc/default/'))).toEqual(['etc/default/z']);
      expect(flat.some((p) => p === 'usr/share/doc' || p.startsWith('usr/share/doc/'))).toBe(false);
      expect(flat).toContain('usr/share/doc-base');
      expect(flat).toContain('etc/passwd');
    });

    test('a step that changes nothing gives the constant empty layer and leaves nothing behind', async () => {
      const ctx = makeCtx(store);
      const layer = await ex.run(base, run('cat /etc/os-release > /dev/null && echo read'), ctx);
      expect(ctx.lines).toEqual(['read']);
      expect(layer).toEqual(EMPTY_LAYER);
      expect(await readLayer(store, layer)).toEqual([]);
      expect(await leftovers(store)).toEqual(NOTHING_LEFT);
    });

    test('a failing command reports exit code and last lines, and leaves nothing behind', async () => {
      const blobs = await blobNames(store);
      const err = await ex.run(base, run('echo first; echo oops >&2; touch /junk; exit 7'), makeCtx(store)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RunFailedError);
      expect(err).toMatchObject({ code: 'RUN_FAILED', exitCode: 7 });
      expect((err as RunFailedError).lastLines).toEqual(expect.arrayContaining(['first', 'oops']));
      expect(await leftovers(store)).toEqual(NOTHING_LEFT);
      expect(await blobNames(store)).toEqual(blobs);
    });

    test('abort mid-step kills the command and cleans up', async () => {
      const blobs = await blobNames(store);
      const ac = new AbortController();
      const ctx = makeCtx(store, { signal: ac.signal });
      const started = ex.run(base, run('echo started; sleep 30; touch /late'), ctx);
      setTimeout(() => ac.abort(), 1000);
      const err = await started.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RunAbortedError);
      expect(err).toMatchObject({ code: 'RUN_ABORTED' });
      expect(ctx.lines).toEqual(['started']);
      expect(await leftovers(store)).toEqual(NOTHING_LEFT);
      expect(await blobNames(store)).toEqual(blobs);
    });
  });
}
