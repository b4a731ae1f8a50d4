// Shared pieces of the executor integration tests: which executors can run
// here (in CI a missing one fails instead of skipping), a run context with a
// collecting logger, reading a layer back, and leftover checks (mounts, runc
// containers, docker containers, blobs).
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import Dockerode from 'dockerode';
import { CacheStore } from '../../../src/cache/store.js';
import type { Executor, RunContext } from '../../../src/executors/types.js';
import { DEFAULT_RUNC_ROOT, OciExecutor, runDirsRemoved } from '../../../src/executors/oci/executor.js';
import { DockerExecutor } from '../../../src/executors/docker/executor.js';
import { dockerProblems, ociProblems } from '../../../src/executors/select.js';
import { maskSecrets } from '../../../src/executors/output.js';
import { indexTar } from '../../../src/oci/layer/tar-index.js';
import type { LayerEntry } from '../../../src/oci/layer/entry.js';
import type { LayerDesc } from '../../../src/oci/types.js';

const exec = promisify(execFile);

export type Kind = 'oci' | 'docker';

/** Problems that keep `kind` from running here; [] when it can run. */
export async function problemsOf(kind: Kind): Promise<string[]> {
  return kind === 'oci' ? ociProblems() : dockerProblems();
}

/** `describe` or, outside CI, `describe.skip` with the reason in its name. */
export async function describeIfAvailable(kind: Kind): Promise<{ d: jest.Describe; label: string }> {
  const p = await problemsOf(kind);
  if (!p.length || process.env.CI === 'true') return { d: describe, label: kind };
  return { d: describe.skip, label: `${kind} (skipped: ${p.join('; ')})` };
}

export function makeExecutor(kind: Kind): Executor {
  return kind === 'oci' ? new OciExecutor() : new DockerExecutor();
}

export async function tempStore(): Promise<{ store: CacheStore; cleanup: () => Promise<void> }> {
  const dir = await fs.mkdtemp(join(process.env.KAIROS_PIPE_TEST_STORE_DIR ?? tmpdir(), 'kp-exec-'));
  const store = await CacheStore.open(dir);
  return { store, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
}

/** Unique per store, so leftover checks see only this test file's containers. */
export function stepIdFor(store: CacheStore): string {
  return `+test-${basename(store.root)}[0]`;
}

export interface Ctx extends RunContext {
  lines: string[];
}

/** A context whose logger masks secrets the way the CLI's does, and records lines. */
export function makeCtx(store: CacheStore, opts: { secrets?: Record<string, string>; signal?: AbortSignal } = {}): Ctx {
  const lines: string[] = [];
  const secrets = opts.secrets ?? {};
  return {
    store,
    signal: opts.signal ?? new AbortController().signal,
    secrets,
    stepId: stepIdFor(store),
    lines,
    log: (line) => lines.push(maskSecrets(line, Object.values(secrets))),
  };
}

export interface ReadEntry extends LayerEntry {
  data?: Buffer;
}

/** Entries of a stored layer, with file bytes. */
export async function readLayer(store: CacheStore, layer: LayerDesc): Promise<ReadEntry[]> {
  const blob = store.blobPath(layer.digest);
  const data = await fs.readFile(blob);
  return (await indexTar(blob)).map(({ entry, offset }) => ({ ...entry, data: entry.type === 'file' ? data.subarray(offset, offset + entry.size) : undefined }));
}

export async function blobNames(store: CacheStore): Promise<string[]> {
  return (await fs.readdir(join(store.root, 'blobs', 'sha256'))).sort();
}

/** Mount points under the store (there must be none between runs). */
export async function mountsUnder(dir: string): Promise<string[]> {
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
  return info
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m && m.startsWith(dir));
}

/**
 * runc containers of this process (ids are kp-<pid>-…; bundles live in /dev/shm
 * or the store) or with a bundle in `store`; other builds may run on this machine.
 */
export async function runcContainers(store: CacheStore): Promise<string[]> {
  const { stdout } = await exec('runc', ['--root', DEFAULT_RUNC_ROOT, 'list', '--format', 'json']).catch(() => ({ stdout: '[]' }));
  const list = (JSON.parse(stdout || '[]') ?? []) as Array<{ id: string; bundle: string }>;
  return list.filter((c) => c.id.startsWith(`kp-${process.pid}-`) || c.bundle.startsWith(store.root)).map((c) => c.id);
}

export async function dockerContainers(store: CacheStore): Promise<string[]> {
  if ((await dockerProblems()).length) return [];
  const docker = new Dockerode();
  const id = stepIdFor(store);
  const list = await docker.listContainers({ all: true, filters: { label: [`kairos-pipe.step=${id}`] } });
  const helpers = await docker.listContainers({ all: true, filters: { label: [`kairos-pipe.helper=${id}`] } });
  return [...list, ...helpers].map((c) => c.Id);
}

/** Everything a failed or aborted run must not leave behind (the oci executor's run dirs once their background removal is done). */
export async function leftovers(store: CacheStore): Promise<{ mounts: string[]; runc: string[]; docker: string[]; tmp: string[] }> {
  await runDirsRemoved();
  return {
    mounts: await mountsUnder(store.root),
    runc: await runcContainers(store),
    docker: await dockerContainers(store),
    tmp: await fs.readdir(join(store.root, 'tmp')),
  };
}

export const NOTHING_LEFT = { mounts: [], runc: [], docker: [], tmp: [] };
