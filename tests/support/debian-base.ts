// The Debian bookworm minbase every executor test runs on: made once a day with
// debootstrap from deb.debian.org, packed as a deterministic layer tar and kept
// outside the clone (/var/tmp/kairos-pipe-test) so reruns reuse it. Two test
// files asking at once build it once (lock file + atomic rename).
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CacheStore } from '../../src/cache/store.js';
import { sha256File } from '../../src/cache/digest.js';
import { entriesFromDir } from '../../src/oci/layer/from-dir.js';
import { writeLayerTar } from '../../src/oci/layer/writer.js';
import { emptyImageConfig, MEDIA, type FsState } from '../../src/oci/types.js';

const run = promisify(execFile);

export const DEBIAN_BASE_DIR = process.env.KAIROS_PIPE_TEST_DIR ?? '/var/tmp/kairos-pipe-test';
/** Long enough for a first build (debootstrap takes about a minute). */
export const DEBIAN_BASE_TIMEOUT_MS = 10 * 60_000;

function today(): string {
  return new Date().toISOString().slice(0, 10).replace(/-/g, '');
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

async function withLock<T>(lock: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      await fs.writeFile(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(await fs.readFile(lock, 'utf8').catch(() => '0'));
      let alive = pid > 0;
      try {
        if (alive) process.kill(pid, 0);
      } catch {
        alive = false;
      }
      if (!alive) await fs.rm(lock, { force: true });
      else await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lock, { force: true });
  }
}

/** Path of today's base layer tar, building it if needed. */
export async function debianBaseTar(): Promise<string> {
  const final = join(DEBIAN_BASE_DIR, `debian-bookworm-minbase-${today()}.tar`);
  if (await exists(final)) return final;
  await fs.mkdir(DEBIAN_BASE_DIR, { recursive: true });
  return withLock(join(DEBIAN_BASE_DIR, 'build.lock'), async () => {
    if (await exists(final)) return final;
    const work = join(DEBIAN_BASE_DIR, `build-${process.pid}`);
    await fs.rm(work, { recursive: true, force: true });
    try {
      const rootfs = join(work, 'rootfs');
      await run('debootstrap', ['--variant=minbase', 'bookworm', rootfs, 'http://deb.debian.org/debian'], { maxBuffer: 64 << 20 });
      // debootstrap leaves the host's resolver and apt lists behind; neither belongs in a base.
      await fs.rm(join(rootfs, 'etc/resolv.conf'), { force: true });
      await fs.rm(join(rootfs, 'var/lib/apt/lists'), { recursive: true, force: true });
      await fs.mkdir(join(rootfs, 'var/lib/apt/lists/partial'), { recursive: true });
      const tmp = join(work, 'layer.tar');
      await writeLayerTar(await entriesFromDir(rootfs), tmp);
      await fs.rename(tmp, final);
      for (const old of await fs.readdir(DEBIAN_BASE_DIR)) {
        if (old.startsWith('debian-bookworm-minbase-') && join(DEBIAN_BASE_DIR, old) !== final) await fs.rm(join(DEBIAN_BASE_DIR, old), { force: true });
      }
      return final;
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  });
}

/** Today's Debian base as a one-layer FsState whose blob is in `store`. */
export async function debianBaseLayer(store: CacheStore): Promise<FsState> {
  const tar = await debianBaseTar();
  const { digest, size } = await sha256File(tar);
  if (!(await store.hasBlob(digest))) {
    const tmp = store.tmpPath('debian-base');
    // A copy, not a link: tests that corrupt blobs on purpose must not reach the shared tar.
    await fs.copyFile(tar, tmp);
    await store.putFile(tmp, digest);
  }
  const config = emptyImageConfig();
  config.config.Env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];
  config.rootfs.diff_ids = [digest];
  return { layers: [{ mediaType: MEDIA.layerTar, digest, size, diffId: digest }], config };
}
