// extractLayer keeps what a layer says (owners, modes, setuid, devices, fifos,
// hardlinks, symlinks, security.capability) and turns OCI whiteouts into overlay
// ones; entriesFromDir reads the same directory back into the same entries.
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractLayer } from '../../../../src/oci/layer/extract.js';
import { entriesFromDir } from '../../../../src/oci/layer/from-dir.js';
import { writeLayerTar, type WritableEntry } from '../../../../src/oci/layer/writer.js';
import { runNative } from '../../../../src/oci/layer/native-fs.js';
import { comparePaths, type LayerEntry } from '../../../../src/oci/layer/entry.js';

const root = process.getuid?.() === 0;
const t = root ? test : test.skip;

// v2 file capability: cap_net_raw + cap_setuid (bit 7, a byte >= 0x80), effective.
const CAP = Buffer.from([0x01, 0, 0, 0x02, 0x80, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

function e(path: string, type: LayerEntry['type'], extra: Partial<LayerEntry> = {}): LayerEntry {
  return { path, type, mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 0, ...extra };
}

const ENTRIES: WritableEntry[] = [
  { entry: e('bin', 'directory', { mode: 0o755 }) },
  { entry: e('bin/ping', 'file', { mode: 0o4755, gid: 2, size: 5, xattrs: { 'security.capability': CAP.toString('latin1') } }), content: { buffer: Buffer.from('ping\n') } },
  { entry: e('bin/ping2', 'link', { mode: 0o4755, gid: 2, linkname: 'bin/ping' }) },
  { entry: e('dev', 'directory', { mode: 0o755 }) },
  { entry: e('dev/null', 'character-device', { mode: 0o666, devmajor: 1, devminor: 3 }) },
  { entry: e('dev/sda', 'block-device', { mode: 0o660, gid: 6, devmajor: 8, devminor: 0 }) },
  { entry: e('dev/fifo', 'fifo', { mode: 0o600 }) },
  { entry: e('etc', 'directory', { mode: 0o755 }) },
  { entry: e('etc/.wh.gone', 'file', { mode: 0 }) },
  { entry: e('home', 'directory', { mode: 0o755 }) },
  { entry: e('home/bob', 'directory', { mode: 0o750, uid: 1000, gid: 1000 }) },
  { entry: e('home/bob/link', 'symlink', { mode: 0o777, uid: 1000, gid: 1000, linkname: '/etc/passwd' }) },
  { entry: e('opq', 'directory', { mode: 0o755 }) },
  { entry: e('opq/.wh..wh..opq', 'file', { mode: 0 }) },
  { entry: e('opq/new', 'file', { size: 3 }), content: { buffer: Buffer.from('new') } },
];

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'kp-extract-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function extracted(): Promise<string> {
  const tarPath = join(dir, 'layer.tar');
  await writeLayerTar(ENTRIES, tarPath);
  const dest = join(dir, 'root');
  await fs.mkdir(dest);
  await extractLayer(tarPath, dest, { whiteouts: 'overlay' });
  return dest;
}

t('keeps owners, modes, devices, hardlinks and capabilities (needs root for chown and mknod)', async () => {
  const dest = await extracted();
  const ping = await fs.lstat(join(dest, 'bin/ping'));
  expect(ping.mode & 0o7777).toBe(0o4755);
  expect(ping.gid).toBe(2);
  expect(ping.nlink).toBe(2);
  expect((await fs.lstat(join(dest, 'bin/ping2'))).ino).toBe(ping.ino);
  const nul = await fs.lstat(join(dest, 'dev/null'));
  expect(nul.isCharacterDevice()).toBe(true);
  expect(nul.rdev).toBe(0x103);
  expect((await fs.lstat(join(dest, 'dev/sda'))).isBlockDevice()).toBe(true);
  expect((await fs.lstat(join(dest, 'dev/fifo'))).isFIFO()).toBe(true);
  expect(await fs.readlink(join(dest, 'home/bob/link'))).toBe('/etc/passwd');
  expect((await fs.lstat(join(dest, 'home/bob'))).uid).toBe(1000);
  const [caps] = await runNative([{ op: 'list', path: join(dest, 'bin/ping') }]);
  expect(caps.ok && caps.xattrs?.get('security.capability')).toEqual(CAP);
});

t('turns OCI whiteouts into overlay whiteouts (needs root for mknod and trusted.* xattrs)', async () => {
  const dest = await extracted();
  const wh = await fs.lstat(join(dest, 'etc/gone'));
  expect(wh.isCharacterDevice() && wh.rdev === 0).toBe(true);
  await expect(fs.lstat(join(dest, 'etc/.wh.gone'))).rejects.toThrow();
  const [opq] = await runNative([{ op: 'list', path: join(dest, 'opq') }]);
  expect(opq.ok && opq.xattrs?.get('trusted.overlay.opaque')?.toString()).toBe('y');
});

t('entriesFromDir reads an extracted overlay dir back into the same entries', async () => {
  const dest = await extracted();
  const back = (await entriesFromDir(dest, { overlay: true })).map((w) => w.entry);
  const want = [...ENTRIES]
    .sort((a, b) => comparePaths(a.entry.path, b.entry.path))
    .map(({ entry }) => expect.objectContaining(Object.fromEntries(Object.entries(entry).filter(([k, v]) => v !== undefined && !(entry.type === 'link' && k === 'xattrs')))));
  expect(back).toEqual(want);
});
