// A layer chain as a read-only directory, without copying it: the oci executor's
// snapshots (each layer unpacked once, whiteouts in overlay form) stacked by a
// read-only overlayfs mount with no upper dir. Steps that hand a whole tree to a
// tool (mksquashfs) read it from here instead of materializing a copy.
import { promises as fs } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { CacheStore } from '../../cache/store.js';
import type { LayerDesc } from '../../oci/types.js';
import { runNative, NativeFsError } from '../../oci/layer/native-fs.js';
import { emptySnapshot, ensureSnapshots } from '../../executors/oci/snapshots.js';
import { unmount } from '../../executors/oci/mount.js';

const MS_RDONLY = 1;

/**
 * Mounts `layers` (bottom first) read-only at `target` (created if missing).
 * Returns the function that unmounts it. Root only (mount(2)).
 */
export async function mountChain(store: CacheStore, layers: LayerDesc[], target: string): Promise<() => Promise<void>> {
  if (!layers.length) throw new Error('internal: mountChain needs at least one layer');
  const lowers = await ensureSnapshots(store, layers);
  // overlayfs without an upper dir needs at least two lower dirs.
  if (lowers.length < 2) lowers.unshift(await emptySnapshot(store));
  const parent = dirname(lowers[0]);
  const rel = lowers.every((l) => dirname(l) === parent);
  const data = `lowerdir=${[...lowers].reverse().map((l) => (rel ? basename(l) : l)).join(':')}`;
  if (data.length > 4000) throw new NativeFsError('mount -t overlay', target, `the layer chain is too long for one overlay mount (${lowers.length} layers)`);
  await fs.mkdir(target, { recursive: true, mode: 0o755 });
  const [r] = await runNative([{ op: 'mount', source: 'overlay', path: target, fstype: 'overlay', flags: MS_RDONLY, data, cwd: rel ? parent : undefined }]);
  if (!r.ok) throw new NativeFsError('mount -t overlay', target, `errno ${r.errno} (options ${data})`);
  return () => unmount(target);
}
