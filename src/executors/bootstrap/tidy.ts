// Makes a fresh debootstrap tree fit to be a layer: drops downloaded packages,
// package lists, logs and caches that hold timestamps, and host files that
// debootstrap copies in. Only paths known to be safe to drop are touched.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { fixedMtime } from '../../oci/layer/entry.js';

/** Folders whose contents go, the folder itself stays (apt and dpkg expect it). */
const EMPTY_DIRS = ['var/cache/apt/archives', 'var/lib/apt/lists', 'var/log/apt', 'tmp', 'var/tmp'];
/** Kept inside those folders: apt's own lock and staging dirs. */
const KEEP = new Set(['lock', 'partial', 'auxfiles']);

const DROP_FILES = [
  'var/log/dpkg.log',
  'var/log/bootstrap.log',
  'var/log/alternatives.log',
  'var/cache/ldconfig/aux-cache', // ctime-keyed cache, rebuilt by ldconfig
  'var/cache/apt/pkgcache.bin',
  'var/cache/apt/srcpkgcache.bin',
  'etc/resolv.conf', // copied from the host by debootstrap; the runtime provides one
  'etc/hostname', // the build machine's name, copied by debootstrap
  'debootstrap', // debootstrap's own working folder, present only after a failed second stage
];

const OLD_SUFFIX_DIRS = ['var/cache/debconf', 'var/lib/dpkg'];

export async function tidyRoot(root: string, log?: (line: string) => void): Promise<void> {
  for (const dir of EMPTY_DIRS) {
    const abs = join(root, dir);
    for (const name of await readdirOrEmpty(abs)) {
      if (KEEP.has(name)) continue;
      await fs.rm(join(abs, name), { recursive: true, force: true });
    }
  }
  for (const f of DROP_FILES) await fs.rm(join(root, f), { recursive: true, force: true });
  for (const dir of OLD_SUFFIX_DIRS) {
    for (const name of await readdirOrEmpty(join(root, dir))) {
      if (name.endsWith('-old')) await fs.rm(join(root, dir, name), { force: true });
    }
  }
  // systemd generates machine-id on first boot when the file is empty; a fixed one would clone hosts.
  await truncateIfPresent(join(root, 'etc/machine-id'));
  await pinShadowDates(join(root, 'etc/shadow'));
  log?.('bootstrap: removed package caches, apt lists, logs and host files');
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch {
    return [];
  }
}

async function truncateIfPresent(path: string): Promise<void> {
  try {
    await fs.truncate(path, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/**
 * /etc/shadow's third field is "days since epoch of the last password change",
 * set to the build day; pin it to SOURCE_DATE_EPOCH (or 0) so rebuilds match.
 */
async function pinShadowDates(path: string): Promise<void> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch {
    return;
  }
  const day = String(Math.floor(fixedMtime() / 86400));
  const out = text
    .split('\n')
    .map((line) => {
      const f = line.split(':');
      if (f.length < 3 || f[2] === '') return line;
      f[2] = day;
      return f.join(':');
    })
    .join('\n');
  if (out !== text) {
    const st = await fs.stat(path);
    await fs.writeFile(path, out, { mode: st.mode & 0o7777 });
    await fs.chmod(path, st.mode & 0o7777);
  }
}
