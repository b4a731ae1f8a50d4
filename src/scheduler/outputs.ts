// Writes a build's outputs into the output folder once the build succeeded:
// each file staged beside its destination and renamed into place, so an
// interrupted build leaves the previous outputs intact. Unchanged files are
// recognized by a small state file and not rewritten.
import { promises as fs, constants as fsc } from 'node:fs';
import { dirname, join, resolve, relative, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { CacheStore } from '../cache/store.js';
import type { PlannedOutput } from './context.js';
import { writeImageArchive } from '../oci/image/archive.js';
import { KairosError } from '../errors/base.js';
import { OutputNotWritableError, OutputWriteError } from '../errors/index.js';
import { UnsafePathError } from '../oci/layer/errors.js';

const STATE_FILE = '.kairos-pipe-outputs.json';

interface OutState {
  [path: string]: { id: string; size: number; mtimeMs: number; ino: number };
}

export interface WrittenOutput {
  path: string;
  bytes: number;
  written: boolean;
  target: string;
}

async function loadState(dir: string): Promise<OutState> {
  try {
    return JSON.parse(await fs.readFile(join(dir, STATE_FILE), 'utf8')) as OutState;
  } catch {
    return {};
  }
}

function idOf(o: PlannedOutput): string {
  return o.image ? `image:${o.image.name}:${o.image.manifest.digest}` : `blob:${o.blob!.digest}:${o.mode ?? ''}`;
}

export async function writeOutputs(store: CacheStore, outputs: PlannedOutput[], outDir: string, signal?: AbortSignal): Promise<WrittenOutput[]> {
  const dir = resolve(outDir);
  try {
    await fs.mkdir(dir, { recursive: true });
    await fs.access(dir, fsc.W_OK);
  } catch (e) {
    throw new OutputNotWritableError(outDir, e);
  }
  const state = await loadState(dir);
  const done: WrittenOutput[] = [];
  for (const o of outputs) {
    signal?.throwIfAborted();
    const dest = resolve(dir, o.path);
    const rel = relative(dir, dest);
    if (rel.startsWith('..') || rel.startsWith(sep)) throw new UnsafePathError(o.path, 'output path leaves the output folder');
    const id = idOf(o);
    const st = await fs.stat(dest).catch(() => undefined);
    const prev = state[rel];
    if (st && prev && prev.id === id && prev.size === st.size && prev.mtimeMs === st.mtimeMs && prev.ino === st.ino) {
      done.push({ path: dest, bytes: st.size, written: false, target: o.target });
      continue;
    }
    await fs.mkdir(dirname(dest), { recursive: true });
    const tmp = join(dirname(dest), `.${randomBytes(6).toString('hex')}.kairos-pipe-tmp`);
    try {
      if (o.image) await writeImageArchive(store, o.image.name, { manifest: o.image.manifest, config: o.image.config, layers: o.image.layers }, tmp, signal);
      else if (o.blob!.mediaType === 'application/vnd.kairos-pipe.artifact.v1.tar') await extractTreeArtifact(store, o.blob!.digest, tmp);
      else {
        await fs.copyFile(store.blobPath(o.blob!.digest), tmp, fsc.COPYFILE_FICLONE);
        if (o.mode !== undefined) await fs.chmod(tmp, o.mode);
      }
      if ((await fs.stat(dest).catch(() => undefined))?.isDirectory()) await fs.rm(dest, { recursive: true });
      await fs.rename(tmp, dest);
    } catch (e) {
      await fs.rm(tmp, { recursive: true, force: true });
      throw e instanceof KairosError ? e : new OutputWriteError(dest, e);
    }
    const nst = await fs.stat(dest);
    state[rel] = { id, size: nst.size, mtimeMs: nst.mtimeMs, ino: nst.ino };
    done.push({ path: dest, bytes: nst.isDirectory() ? 0 : nst.size, written: true, target: o.target });
  }
  const tmpState = join(dir, `.${randomBytes(6).toString('hex')}.kairos-pipe-tmp`);
  await fs.writeFile(tmpState, JSON.stringify(state));
  await fs.rename(tmpState, join(dir, STATE_FILE));
  return done;
}

async function extractTreeArtifact(store: CacheStore, digest: string, dest: string): Promise<void> {
  const { indexTar } = await import('../oci/layer/tar-index.js');
  const { materialize } = await import('../oci/layer/materialize.js');
  const blob = store.blobPath(digest);
  const entries = (await indexTar(blob)).map((i) => ({ entry: i.entry, blob, offset: i.offset }));
  await materialize(entries, dest);
}
