// The docker executor's layer. `container.export()` is the whole filesystem and
// `changes()` + per-path archives lose hardlinks and directory ownership, so we
// read what Docker itself would commit: the container's overlay2 upper dir. A
// helper container (created, never started) bind-mounts that dir and the engine
// archives it for us — this works for remote engines too, since the bind source
// is a path on the engine's host. Overlay whiteouts arrive as char 0/0 nodes;
// opaque dirs (whose xattr the archive drops) come from `changes()`: it reports
// the lower children of an opaque dir as deleted although the upper dir holds no
// whiteout for them (and, on some engines, the dir itself as deleted). The entries then go through
// the same conversion and writer as the oci executor's.
import { createWriteStream, promises as fs, readdirSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type Dockerode from 'dockerode';
import type { CacheStore } from '../../cache/store.js';
import type { LayerDesc } from '../../oci/types.js';
import { comparePaths, fixedMtime, type LayerEntry } from '../../oci/layer/entry.js';
import type { WritableEntry } from '../../oci/layer/writer.js';
import { scanTar, type RawTarEntry } from '../../oci/layer/tar-scan.js';
import { pruneMountStubs, type MountProbe } from '../mount-stubs.js';
import { storeLayer } from '../layer-out.js';
import { ExecutorError } from '../errors.js';

const UPPER = 'kp-upper';
const KEPT_XATTRS = ['security.capability'];

interface DockerChange {
  Path: string;
  Kind: number;
}

function marker(dir: string, name: string): LayerEntry {
  return { path: dir ? `${dir}/${name}` : name, type: 'file', mode: 0, uid: 0, gid: 0, size: 0, mtime: fixedMtime() };
}

function rel(name: string): string | undefined {
  const n = name.replace(/^\.?\/+/, '').replace(/\/+$/, '');
  if (n === UPPER) return undefined;
  if (!n.startsWith(`${UPPER}/`)) throw new Error(`unexpected archive entry ${name}`);
  return n.slice(UPPER.length + 1);
}

/** Directories of the upper dir that must be opaque, from the deletions Docker reports. */
function opaqueDirs(raw: RawTarEntry[], deleted: string[]): Set<string> {
  const upper = new Map<string, RawTarEntry>();
  for (const e of raw) {
    const p = rel(e.name);
    if (p !== undefined) upper.set(p, e);
  }
  const out = new Set<string>();
  for (const d of deleted) {
    const here = upper.get(d);
    if (here?.type === 'directory') out.add(d);
    else if (!here) {
      const slash = d.lastIndexOf('/');
      const parent = slash === -1 ? '' : d.slice(0, slash);
      if (parent && upper.get(parent)?.type === 'directory') out.add(parent);
    }
  }
  return out;
}

/** Entries of an upper-dir archive, overlay markers converted, sorted. */
async function entriesOf(archivePath: string, deleted: string[]): Promise<WritableEntry[]> {
  const mtime = fixedMtime();
  const out: WritableEntry[] = [];
  const raw = await scanTar(archivePath);
  const opaque = opaqueDirs(raw, deleted);
  // Overlayfs may make every whiteout a hardlink of one shared inode, so the
  // archive has one char 0/0 node and links to it.
  const whiteouts = new Set<string>();
  for (const e of raw) {
    const path = rel(e.name);
    if (path === undefined) continue;
    const slash = path.lastIndexOf('/');
    const dir = slash === -1 ? '' : path.slice(0, slash);
    const isWhiteout = (e.type === 'character-device' && !e.devmajor && !e.devminor) || (e.type === 'link' && whiteouts.has(rel(e.linkname ?? '') ?? ''));
    if (isWhiteout) {
      whiteouts.add(path);
      out.push({ entry: marker(dir, `.wh.${path.slice(slash + 1)}`) });
      continue;
    }
    const entry: LayerEntry = { path, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, size: e.type === 'file' ? e.size : 0, mtime };
    if (e.type === 'symlink') entry.linkname = e.linkname;
    if (e.type === 'link') entry.linkname = rel(e.linkname ?? '') ?? '';
    if (e.type.endsWith('device')) Object.assign(entry, { devmajor: e.devmajor, devminor: e.devminor });
    const kept = e.type === 'link' ? [] : KEPT_XATTRS.filter((k) => e.xattrs.has(k));
    if (kept.length) entry.xattrs = Object.fromEntries(kept.map((k) => [k, e.xattrs.get(k)!.toString('latin1')]));
    out.push(entry.type === 'file' && entry.size ? { entry, content: { file: archivePath, start: e.offset } } : { entry });
    if (e.type === 'directory' && opaque.has(path)) out.push({ entry: marker(path, '.wh..wh..opq') });
  }
  return out.sort((a, b) => comparePaths(a.entry.path, b.entry.path));
}

/** The upper dir exists on this host (a local engine) and has nothing in it. */
function upperIsEmptyHere(upper: string): boolean {
  try {
    return readdirSync(upper).length === 0;
  } catch {
    return false; // a remote engine, or not ours to read
  }
}

/** changes() as a list: the engine answers `null` for none, which dockerode hands over unparsed. */
function changeList(raw: unknown): DockerChange[] {
  const v: unknown = Buffer.isBuffer(raw) ? JSON.parse(raw.toString('utf8')) : raw;
  return Array.isArray(v) ? (v as DockerChange[]) : [];
}

export async function diffContainer(
  docker: Dockerode,
  store: CacheStore,
  container: Dockerode.Container,
  image: string,
  probe: MountProbe,
  stepId: string,
  signal?: AbortSignal,
): Promise<LayerDesc> {
  const info = await container.inspect();
  const data = info.GraphDriver?.Data as { UpperDir?: string } | undefined;
  const upper = info.GraphDriver?.Name === 'overlay2' ? data?.UpperDir : undefined;
  if (!upper) {
    throw new ExecutorError(stepId, `the Docker engine uses the '${info.GraphDriver?.Name ?? 'unknown'}' storage driver; the docker executor reads container diffs from overlay2`);
  }
  // A local engine's upper dir is right here: empty, nothing changed (run('true'),
  // a test), and the layer is the constant empty one, without changes() (a walk of
  // both trees when the engine uses its naive diff) or the helper (1–2 s loaded).
  if (upperIsEmptyHere(upper)) return storeLayer(store, [], signal);
  // Independent: the deletions and the helper that archives the upper dir.
  const [changed, created] = await Promise.allSettled([
    container.changes() as Promise<unknown>,
    docker.createContainer({
      Image: image,
      Entrypoint: ['/kairos-pipe-never-started'],
      Labels: { 'kairos-pipe.helper': stepId },
      HostConfig: { Binds: [`${upper}:/${UPPER}:ro`], NetworkMode: 'none' },
    }),
  ]);
  if (created.status === 'rejected') throw created.reason;
  const helper = created.value;
  const staging = store.tmpPath('docker-diff');
  try {
    if (changed.status === 'rejected') throw changed.reason;
    const deleted = changeList(changed.value)
      .filter((c) => c.Kind === 2)
      .map((c) => c.Path.replace(/^\/+/, ''));
    const stream = await helper.getArchive({ path: `/${UPPER}` });
    await pipeline(stream as NodeJS.ReadableStream & AsyncIterable<Buffer>, createWriteStream(staging), { signal });
    const entries = await entriesOf(staging, deleted);
    return await storeLayer(store, pruneMountStubs(entries, probe), signal);
  } finally {
    await helper.remove({ force: true, v: true }).catch(() => undefined);
    await fs.rm(staging, { force: true });
  }
}
