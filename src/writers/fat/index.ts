// FAT12/16/32 image writer, for EFI system partitions (Kairos: /boot/uefi.img, label
// EFI_LIVE). Deterministic (dates from sourceDateEpoch, serial from a hash); file contents
// are streamed from their source; written to a temp file and renamed at the end.
import { createHash } from 'node:crypto';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ATTR_ARCHIVE, ATTR_DIR, dotEntry, labelEntry, lfnEntries, shortEntry, shortName } from './dirent.js';
import { FatInvalidInputError, FatTooSmallError } from './errors.js';
import { autoTypes, chooseGeometry, type FatType, type Geometry, SECTOR } from './geometry.js';
import { renderBootSectors, renderFat } from './tables.js';

export { FatInvalidInputError, FatTooSmallError } from './errors.js';
export type { FatType } from './geometry.js';

export interface FatFile {
  /** Path inside the image, e.g. `EFI/BOOT/bootx64.efi`. */
  path: string;
  hostPath?: string;
  data?: Buffer;
}

export interface FatImageOptions {
  label: string;
  files: FatFile[];
  /** Image size; default the smallest size that fits, rounded up to 4 MiB. */
  sizeBytes?: number;
  fatType?: FatType;
  sourceDateEpoch?: number;
}

interface FNode {
  name: string;
  dir: boolean;
  size: number;
  src?: FatFile;
  children: FNode[];
  cluster: number;
  clusters: number;
  entries?: Buffer;
}

const STEP = 4 << 20;

function buildTree(files: FatFile[], sizes: number[]): FNode {
  const root: FNode = { name: '', dir: true, size: 0, children: [], cluster: 0, clusters: 0 };
  files.forEach((f, i) => {
    const parts = f.path.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.length === 0 || parts.some((p) => p === '..' || /[\x00-\x1f"*/:<>?\\|]/.test(p) || p.length > 255)) {
      throw new FatInvalidInputError(`FAT path "${f.path}" is not a valid relative path`, { hint: 'Use names without .., control characters or "*/:<>?\\|".' });
    }
    let node = root;
    parts.forEach((p, k) => {
      const last = k === parts.length - 1;
      let next = node.children.find((c) => c.name.toUpperCase() === p.toUpperCase());
      if (next && (last || !next.dir)) throw new FatInvalidInputError(`FAT path "${f.path}" clashes with another file (FAT names ignore case)`);
      if (!next) {
        next = { name: p, dir: !last, size: last ? sizes[i] : 0, src: last ? f : undefined, children: [], cluster: 0, clusters: 0 };
        node.children.push(next);
      }
      node = next;
    });
  });
  return root;
}

function* walk(n: FNode): Generator<FNode> {
  yield n;
  for (const c of n.children) yield* walk(c);
}

/** Entry bytes of a folder's listing (before clusters are known the cluster fields are 0). */
function entryCount(n: FNode, isRoot: boolean, label: boolean): number {
  const taken = new Set<string>();
  let count = isRoot ? (label ? 1 : 0) : 2;
  for (const c of n.children) count += 1 + (shortName(c.name, taken).long ? Math.ceil(c.name.length / 13) : 0);
  return count;
}

function renderDir(n: FNode, parent: FNode | undefined, g: Geometry, label: string, epoch: number): Buffer {
  const parts: Buffer[] = [];
  if (!parent) parts.push(labelEntry(label, epoch));
  else parts.push(dotEntry('.', n.cluster, epoch), dotEntry('..', parent.cluster === 0 || !parent.name ? 0 : parent.cluster, epoch));
  const taken = new Set<string>();
  for (const c of n.children) {
    const { short, long } = shortName(c.name, taken);
    if (long) parts.push(...lfnEntries(c.name, short));
    parts.push(shortEntry(short, c.dir ? ATTR_DIR : ATTR_ARCHIVE, c.cluster, c.dir ? 0 : c.size, epoch));
  }
  const body = Buffer.concat(parts);
  const size = parent || g.type === 32 ? Math.max(1, n.clusters) * g.sectorsPerCluster * SECTOR : g.rootDirSectors * SECTOR;
  return Buffer.concat([body, Buffer.alloc(size - body.length)]);
}

async function streamFile(out: FileHandle, f: FatFile, size: number, pos: number, buf: Buffer): Promise<void> {
  if (f.data) {
    await out.write(f.data, 0, size, pos);
    return;
  }
  const src = await open(f.hostPath!, 'r');
  try {
    for (let done = 0; done < size; ) {
      const { bytesRead } = await src.read(buf, 0, Math.min(buf.length, size - done), done);
      if (bytesRead === 0) throw new FatInvalidInputError(`"${f.hostPath}" shrank while the FAT image was written`);
      await out.write(buf, 0, bytesRead, pos + done);
      done += bytesRead;
    }
  } finally {
    await src.close();
  }
}

export async function writeFatImage(opts: FatImageOptions, outPath: string): Promise<{ size: number }> {
  const label = opts.label.toUpperCase();
  if (!/^[A-Z0-9 _!#$%&'()@^`{}~-]{1,11}$/.test(label)) {
    throw new FatInvalidInputError(`FAT label "${opts.label}" must be 1 to 11 letters, digits or "_-"`);
  }
  const epoch = Math.floor(opts.sourceDateEpoch ?? Number(process.env.SOURCE_DATE_EPOCH || 0));
  const sizes = await Promise.all(opts.files.map(async (f) => {
    if (f.data) return f.data.length;
    if (!f.hostPath) throw new FatInvalidInputError(`FAT file "${f.path}" has neither hostPath nor data`);
    return (await stat(f.hostPath)).size;
  }));
  const root = buildTree(opts.files, sizes);
  const nodes = [...walk(root)];
  const rootEntries = Math.max(512, Math.ceil(entryCount(root, true, true) / 16) * 16);
  const need = (cb: number) => nodes.reduce((s, n) => {
    if (n.dir) return s + (n === root ? 1 : Math.max(1, Math.ceil((entryCount(n, false, false) * 32) / cb)));
    return s + Math.ceil(n.size / cb);
  }, 0);
  const types: FatType[] = opts.fatType ? [opts.fatType] : autoTypes(opts.sizeBytes ?? 0);
  let g: Geometry | undefined;
  if (opts.sizeBytes !== undefined) {
    if (opts.sizeBytes % SECTOR !== 0) throw new FatInvalidInputError(`FAT image size ${opts.sizeBytes} is not a multiple of 512`);
    g = chooseGeometry(opts.sizeBytes, types, rootEntries, need);
  } else {
    const payload = sizes.reduce((a, b) => a + b, 0);
    for (let size = Math.max(STEP, Math.ceil(payload / STEP) * STEP); !g && size <= 2 ** 41; size += STEP) {
      g = chooseGeometry(size, opts.fatType ? types : autoTypes(size), rootEntries, need);
    }
  }
  if (!g) {
    throw new FatTooSmallError(`a ${opts.sizeBytes ?? 'default'}-byte FAT${opts.fatType ?? ''} image cannot hold ${sizes.length} files of ${sizes.reduce((a, b) => a + b, 0)} bytes`, {
      hint: opts.fatType === 32 ? 'FAT32 needs at least 65525 clusters (about 33 MiB); use a larger size or fatType 12/16.' : 'Leave sizeBytes out to get the smallest size that fits, or raise it.',
    });
  }
  const cb = g.sectorsPerCluster * SECTOR;
  let next = 2;
  for (const n of nodes) {
    if (!n.dir || (n === root && g.type !== 32)) continue;
    n.clusters = n === root ? 1 : Math.max(1, Math.ceil((entryCount(n, false, false) * 32) / cb));
    n.cluster = next;
    next += n.clusters;
  }
  for (const n of nodes) {
    if (n.dir || n.size === 0) continue;
    n.clusters = Math.ceil(n.size / cb);
    n.cluster = next;
    next += n.clusters;
  }
  const serial = createHash('sha256').update(`${label}\0${epoch}\0`).update(opts.files.map((f, i) => `${f.path}\0${sizes[i]}`).join('\n')).digest().readUInt32LE(0);
  const sizeBytes = g.totalSectors * SECTOR;
  const tmp = join(dirname(outPath), `.${basename(outPath)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  const out = await open(tmp, 'w');
  try {
    await out.truncate(sizeBytes);
    const chains = nodes.filter((n) => n.clusters > 0).map((n) => ({ first: n.cluster, count: n.clusters }));
    await out.write(renderBootSectors(g, label, serial, next), 0, undefined, 0);
    const fat = renderFat(g, chains);
    for (let i = 0; i < 2; i++) await out.write(fat, 0, fat.length, (g.reservedSectors + i * g.fatSectors) * SECTOR);
    const clusterPos = (c: number) => (g.dataStart + (c - 2) * g.sectorsPerCluster) * SECTOR;
    const parentOf = new Map<FNode, FNode>();
    for (const n of nodes) for (const c of n.children) parentOf.set(c, n);
    for (const n of nodes) {
      if (!n.dir) continue;
      const buf = renderDir(n, parentOf.get(n), g, label, epoch);
      await out.write(buf, 0, buf.length, n === root && g.type !== 32 ? (g.reservedSectors + 2 * g.fatSectors) * SECTOR : clusterPos(n.cluster));
    }
    const buf = Buffer.allocUnsafe(1 << 20);
    for (const n of nodes) if (!n.dir && n.size > 0) await streamFile(out, n.src!, n.size, clusterPos(n.cluster), buf);
    await out.datasync();
    await out.close();
    await rename(tmp, outPath);
  } catch (err) {
    await out.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  return { size: sizeBytes };
}
