// The bootstrap step: debootstrap into a scratch folder, tidy it, and pack it
// as one deterministic uncompressed layer in the store. The scratch folder is
// always removed, on success, failure and abort alike.
import { promises as fs } from 'node:fs';
import type { BootstrapStep } from '../../dsl/steps/bootstrap.js';
import type { CacheStore } from '../../cache/store.js';
import { MEDIA, type LayerDesc } from '../../oci/types.js';
import { entriesFromDir } from '../../oci/layer/from-dir.js';
import { writeLayerTar } from '../../oci/layer/writer.js';
import { BootstrapNeedsRootError } from './errors.js';
import { bootstrapKeyInputs, mirrorOf } from './mirror.js';
import { checkKeyring, debootstrapArgs, findDebootstrap, runDebootstrap, scriptFor } from './debootstrap.js';
import { removeScratchDir, unmountUnder } from './scratch-dir.js';
import { tidyRoot } from './tidy.js';

export interface BootstrapRunOptions {
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export async function runBootstrap(step: BootstrapStep, store: CacheStore, opts: BootstrapRunOptions = {}): Promise<LayerDesc> {
  const { signal, log } = opts;
  const bin = await findDebootstrap();
  if (process.getuid?.() !== 0) throw new BootstrapNeedsRootError();
  await checkKeyring(step);
  const mirror = mirrorOf(step);
  // Fails fast with the mirror's host named, instead of debootstrap's "Failed getting release file".
  await bootstrapKeyInputs(step, { signal });

  const dir = store.tmpPath('bootstrap');
  const tar = store.tmpPath('layer');
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  try {
    const args = debootstrapArgs(step, dir, mirror, await scriptFor(step));
    log?.(`bootstrap: debootstrap ${args.join(' ')}`);
    await runDebootstrap(bin, args, { signal, log });
    signal?.throwIfAborted();
    // debootstrap unmounts proc/sys on success; make sure, so the layer never captures a live /proc.
    await unmountUnder(dir);
    await tidyRoot(dir, log);
    const entries = await entriesFromDir(dir);
    signal?.throwIfAborted();
    const { digest, size } = await writeLayerTar(entries, tar, signal);
    await store.putFile(tar, digest);
    log?.(`bootstrap: layer ${digest} (${entries.length} entries, ${size} bytes)`);
    return { mediaType: MEDIA.layerTar, digest, size, diffId: digest };
  } finally {
    await fs.rm(tar, { force: true });
    await removeScratchDir(dir);
  }
}
