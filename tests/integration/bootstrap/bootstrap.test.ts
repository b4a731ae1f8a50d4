// Real debootstrap against deb.debian.org: one minbase bookworm run (about a
// minute), one aborted run, and the Release digest used in the cache key.
import { promises as fs, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tar from 'tar-stream';
import { jest } from '@jest/globals';
import { CacheStore } from '../../../src/cache/store.js';
import { bootstrapSchema } from '../../../src/dsl/steps/bootstrap.js';
import { runBootstrap, bootstrapKeyInputs, BootstrapMirrorError } from '../../../src/executors/bootstrap/index.js';
import { mountsUnder } from '../../../src/executors/bootstrap/scratch-dir.js';
import { comparePaths, fixedMtime, normalizeEntryPath } from '../../../src/oci/layer/entry.js';

jest.setTimeout(15 * 60_000);

const step = bootstrapSchema.parse({ kind: 'bootstrap', distro: 'debian', suite: 'bookworm', variant: 'minbase' });

interface Seen {
  path: string;
  type: string;
  mtime: number;
  linkname?: string | null;
  mode: number;
}

async function listTar(path: string): Promise<Seen[]> {
  const out: Seen[] = [];
  const ex = tar.extract();
  const done = new Promise<void>((res, rej) => {
    ex.on('entry', (h, stream, next) => {
      out.push({ path: normalizeEntryPath(h.name) ?? '', type: h.type ?? '', mtime: Math.floor((h.mtime?.getTime() ?? -1) / 1000), linkname: h.linkname, mode: h.mode ?? 0 });
      stream.on('end', next);
      stream.resume();
    });
    ex.on('finish', res);
    ex.on('error', rej);
  });
  createReadStream(path).pipe(ex);
  await done;
  return out;
}

let cacheDir: string;
let store: CacheStore;

beforeAll(async () => {
  cacheDir = await fs.mkdtemp(join(tmpdir(), 'kp-bootstrap-'));
  store = await CacheStore.open(cacheDir);
});
afterAll(async () => {
  await fs.rm(cacheDir, { recursive: true, force: true });
});

test('bootstrapKeyInputs returns the same Release digest twice for an unchanged mirror', async () => {
  const a = await bootstrapKeyInputs(step);
  const b = await bootstrapKeyInputs(step);
  expect(a.releaseDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(b.releaseDigest).toBe(a.releaseDigest);
});

test('an unreachable mirror is an error naming its host', async () => {
  const bad = { ...step, mirror: 'http://127.0.0.1:9/debian' };
  const err = await bootstrapKeyInputs(bad).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(BootstrapMirrorError);
  expect((err as BootstrapMirrorError).message).toContain('127.0.0.1:9');
  expect((err as BootstrapMirrorError).hint).toContain('mirror');
});

test('an aborted bootstrap leaves no scratch folder and no mount behind', async () => {
  const ac = new AbortController();
  const lines: string[] = [];
  const p = runBootstrap(step, store, {
    signal: ac.signal,
    log: (l) => {
      lines.push(l);
      // Abort once debootstrap is fetching packages, i.e. mid-run.
      if (/Retrieving|Validating|Resolving/.test(l)) ac.abort(new Error('test abort'));
    },
  });
  await expect(p).rejects.toThrow('test abort');
  expect(lines.some((l) => l.startsWith('bootstrap: debootstrap'))).toBe(true);
  expect(await fs.readdir(join(cacheDir, 'tmp'))).toEqual([]);
  expect(await mountsUnder(join(cacheDir, 'tmp'))).toEqual([]);
});

test('minbase bookworm becomes one sorted, fixed-mtime layer without package caches', async () => {
  const layer = await runBootstrap(step, store, { log: () => undefined });
  expect(layer.mediaType).toBe('application/vnd.oci.image.layer.v1.tar');
  expect(layer.diffId).toBe(layer.digest);
  expect(await store.verifyBlob(layer.digest)).toBe(true);
  expect(await fs.readdir(join(cacheDir, 'tmp'))).toEqual([]);

  const entries = await listTar(store.blobPath(layer.digest));
  const byPath = new Map(entries.map((e) => [e.path, e]));
  expect(byPath.get('etc/debian_version')?.type).toBe('file');
  // bookworm is merged-/usr: /bin → usr/bin, and sh is dash.
  const bin = byPath.get('bin');
  if (bin?.type === 'symlink') {
    expect(bin.linkname).toBe('usr/bin');
    expect(byPath.get('usr/bin/sh')).toMatchObject({ type: 'symlink', linkname: 'dash' });
  } else {
    expect(byPath.get('bin/sh')).toMatchObject({ type: 'symlink', linkname: 'dash' });
  }

  const paths = entries.map((e) => e.path);
  expect(paths).toEqual([...paths].sort(comparePaths));
  expect(new Set(entries.map((e) => e.mtime))).toEqual(new Set([fixedMtime()]));
  expect(paths.filter((p) => p.startsWith('var/cache/apt/archives/') && p.endsWith('.deb'))).toEqual([]);
  expect(paths.filter((p) => p.startsWith('var/lib/apt/lists/') && !/\/(lock|partial|auxfiles)$/.test(p))).toEqual([]);
  for (const gone of ['var/log/dpkg.log', 'var/log/bootstrap.log', 'etc/resolv.conf', 'etc/hostname', 'var/cache/ldconfig/aux-cache']) {
    expect(byPath.has(gone)).toBe(false);
  }
  expect(paths.some((p) => p.startsWith('proc/') || p.startsWith('sys/'))).toBe(false);
  // setuid bits survive the walk (su is in minbase's login package).
  const su = byPath.get('usr/bin/su') ?? byPath.get('bin/su');
  expect(su && su.mode & 0o4000).toBeTruthy();
});
