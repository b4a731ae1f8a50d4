import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { staleContainers, staleMounts } from '../../../src/executors/oci/killed-builds.js';

const root = '/var/cache/kp store';
const line = (id: number, mountPoint: string): string => `${id} 1 0:${id} / ${mountPoint.replace(/ /g, '\\040')} rw,relatime shared:1 - overlay overlay rw`;

describe('staleMounts', () => {
  const info = [
    line(30, '/'),
    line(31, `${root}/tmp/run-111-abc/rootfs`),
    line(32, `${root}/tmp/run-222-def/rootfs`),
    line(33, `${root}/mounts/squashfs-src-111-x1-y2-0123456789ab`),
    line(34, `${root}/tmp/debug-111-9f/rootfs`),
    line(35, `${root}/tmp/run-111-abc/rootfs/proc`),
    line(36, `${root}/mounts/apt-0123456789ab`),
    line(37, `${root}/snapshots/run-111-abc`),
    line(38, `/elsewhere/tmp/run-111-abc/rootfs`),
  ].join('\n');

  test('finds the mounts of dead builds under the cache, deepest first, with the folder to remove', () => {
    const found = staleMounts(root, info, (pid) => pid === 222);
    const paths = found.map((m) => m.path);
    expect([...paths].sort()).toEqual([
      `${root}/mounts/squashfs-src-111-x1-y2-0123456789ab`,
      `${root}/tmp/debug-111-9f/rootfs`,
      `${root}/tmp/run-111-abc/rootfs`,
      `${root}/tmp/run-111-abc/rootfs/proc`,
    ]);
    // A mount inside another is detached first.
    expect(paths.indexOf(`${root}/tmp/run-111-abc/rootfs/proc`)).toBeLessThan(paths.indexOf(`${root}/tmp/run-111-abc/rootfs`));
    expect(found.find((m) => m.path.endsWith('/proc'))?.owner).toBe(`${root}/tmp/run-111-abc`);
    expect(found.find((m) => m.path.includes('squashfs-src'))?.owner).toBe(`${root}/mounts/squashfs-src-111-x1-y2-0123456789ab`);
  });

  test('leaves the mounts of live builds, cacheMount() folders and anything outside the cache', () => {
    expect(staleMounts(root, info, () => true)).toEqual([]);
    const found = staleMounts(root, info, () => false).map((m) => m.path);
    expect(found).toContain(`${root}/tmp/run-222-def/rootfs`);
    expect(found.some((p) => p.includes('apt-') || p.includes('snapshots') || p.startsWith('/elsewhere'))).toBe(false);
  });

  test('this process is never stale', () => {
    const mine = line(40, `${root}/tmp/run-${process.pid}-aa/rootfs`);
    expect(staleMounts(root, mine, () => false)).toEqual([]);
  });
});

describe('staleContainers', () => {
  test('names the containers of builds that are gone, and only ours (kp-<pid>-…)', () => {
    const state = mkdtempSync(join(tmpdir(), 'kp-runc-state-'));
    try {
      for (const id of ['kp-111-aa', 'kp-222-bb', `kp-${process.pid}-cc`, 'someone-else', 'kp-x-1']) mkdirSync(join(state, id));
      expect(staleContainers(state, (pid) => pid === 222)).toEqual(['kp-111-aa']);
      expect(staleContainers(join(state, 'missing'), () => false)).toEqual([]);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });
});
