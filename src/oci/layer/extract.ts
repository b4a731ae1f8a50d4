// Extracts one layer tar into a directory, safely (every path rule lives in
// safe-path.ts) and faithfully: owners, modes, setuid bits, device nodes,
// hardlinks, symlinks, mtimes and the security.capability xattr. OCI whiteouts
// either become overlayfs whiteouts (snapshots stacked by overlayfs) or delete
// what lies below (extracting a chain into one directory).
import { constants, promises as fs } from "node:fs";
import { scanTar, type RawTarEntry } from "./tar-scan.js";
import {
  checkEntryName,
  checkLinkTarget,
  parentOf,
  SafeRoot,
} from "./safe-path.js";
import { runNativeOrThrow, type NativeOp } from "./native-fs.js";
import { UnsafePathError } from "./errors.js";

export type WhiteoutMode = "overlay" | "apply";

export interface ExtractOptions {
  /** 'overlay': `.wh.x` → char 0/0 node, `.wh..wh..opq` → trusted.overlay.opaque=y. 'apply': delete what lies below. */
  whiteouts: WhiteoutMode;
  signal?: AbortSignal;
}

const WH = ".wh.";
const OPAQUE = ".wh..wh..opq";
/** The only xattr layers carry, as Docker and BuildKit do. */
const KEPT_XATTRS = new Set(["security.capability"]);

const MODE_BITS: Record<string, number> = {
  "character-device": 0o020000,
  "block-device": 0o060000,
  fifo: 0o010000,
};

interface Pending {
  meta: Array<{ abs: string; e: RawTarEntry }>;
  nodes: NativeOp[];
  xattrs: NativeOp[];
}

async function removeExisting(
  root: SafeRoot,
  rel: string,
  abs: string,
  keepDir: boolean,
): Promise<void> {
  const st = await fs.lstat(abs).catch(() => undefined);
  if (!st) return;
  if (keepDir && st.isDirectory()) return;
  await fs.rm(abs, { recursive: true, force: true });
  root.forget(rel);
}

const CREATE =
  constants.O_WRONLY |
  constants.O_CREAT |
  constants.O_EXCL |
  constants.O_NOFOLLOW;
const CHUNK = 1 << 20;

/** Creates a file that must not exist yet: O_EXCL|O_NOFOLLOW, so nothing already there is ever written through. */
async function createFile(
  root: SafeRoot,
  rel: string,
  abs: string,
): Promise<fs.FileHandle> {
  try {
    return await fs.open(abs, CREATE, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    await removeExisting(root, rel, abs, false);
    return fs.open(abs, CREATE, 0o600);
  }
}

async function copyData(
  tar: fs.FileHandle,
  e: RawTarEntry,
  out: fs.FileHandle,
): Promise<void> {
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, e.size));
  for (let done = 0; done < e.size;) {
    const want = Math.min(buf.length, e.size - done);
    const { bytesRead } = await tar.read(buf, 0, want, e.offset + done);
    if (bytesRead !== want)
      throw new Error(`short read at ${e.offset + done} for ${e.name}`);
    await out.write(buf, 0, want);
    done += want;
  }
}

/** Runs `fn` over items with a few calls in flight (the libuv pool has four threads). */
async function eachLimited<T>(
  items: T[],
  fn: (t: T) => Promise<void>,
  width = 16,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, worker),
  );
}

/** Regular files being written, at most WIDTH at once, by path. */
class FileWrites {
  static readonly WIDTH = 8;
  private readonly inflight = new Map<string, Promise<void>>();
  private failure: unknown;

  /** Is a file at `rel`, above it or below it still being written? */
  touches(rel: string): boolean {
    for (const p of this.inflight.keys()) if (p === rel || p.startsWith(`${rel}/`) || rel.startsWith(`${p}/`)) return true;
    return false;
  }

  async add(rel: string, write: () => Promise<void>): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    while (this.inflight.size >= FileWrites.WIDTH) await Promise.race(this.inflight.values());
    const p = write()
      .catch((e: unknown) => {
        this.failure ??= e;
      })
      .finally(() => this.inflight.delete(rel));
    this.inflight.set(rel, p);
  }

  /** Waits for every write; throws the first failure. */
  async drain(): Promise<void> {
    await Promise.all(this.inflight.values());
    if (this.failure !== undefined) throw this.failure;
  }

  /** Waits for every write, whatever happened (before the tar is closed). */
  async settle(): Promise<void> {
    await Promise.all(this.inflight.values());
  }
}

/** Applies one whiteout; returns true if the entry was a whiteout. */
async function whiteout(
  root: SafeRoot,
  rel: string,
  mode: WhiteoutMode,
  created: Set<string>,
  p: Pending,
): Promise<boolean> {
  const slash = rel.lastIndexOf("/");
  const base = rel.slice(slash + 1);
  if (!base.startsWith(WH)) return false;
  if (base === WH)
    throw new UnsafePathError(rel, "a whiteout must name what it hides");
  const dir = parentOf(rel);
  if (base === OPAQUE) {
    await root.prepare(rel, rel); // makes `dir` a real directory if the layer did not
    const absDir = root.abs(dir);
    if (mode === "overlay") {
      p.xattrs.push({
        op: "setxattr",
        path: absDir,
        name: "trusted.overlay.opaque",
        value: Buffer.from("y"),
      });
    } else {
      // Opaque: everything below that this layer did not itself create goes.
      for (const name of await fs.readdir(absDir)) {
        const child = dir ? `${dir}/${name}` : name;
        if (!created.has(child)) {
          await fs.rm(root.abs(child), { recursive: true, force: true });
          root.forget(child);
        }
      }
    }
    return true;
  }
  const target = dir
    ? `${dir}/${base.slice(WH.length)}`
    : base.slice(WH.length);
  checkEntryName(target);
  const abs = await root.prepare(target, rel);
  if (mode === "apply") {
    if (!created.has(target)) await removeExisting(root, target, abs, false);
    return true;
  }
  await removeExisting(root, target, abs, false);
  p.nodes.push({
    op: "mknod",
    path: abs,
    mode: MODE_BITS["character-device"],
    major: 0,
    minor: 0,
  });
  return true;
}

/** Extracts `tarPath` (an uncompressed tar) into `dest`, which must exist. */
export async function extractLayer(
  tarPath: string,
  dest: string,
  opts: ExtractOptions,
): Promise<void> {
  const root = new SafeRoot(dest);
  const created = new Set<string>();
  const p: Pending = { meta: [], nodes: [], xattrs: [] };
  const entries = await scanTar(tarPath);
  const tarFh = await fs.open(tarPath, "r");
  const writes = new FileWrites();
  try {
    for (const e of entries) {
      opts.signal?.throwIfAborted();
      const rel = checkEntryName(e.name);
      if (rel === undefined) {
        if (e.type === "directory") p.meta.push({ abs: dest, e });
        continue;
      }
      // Files are written a few at a time; anything else that touches a path still
      // being written, and every whiteout and hardlink, waits for them first.
      const base = rel.slice(rel.lastIndexOf("/") + 1);
      if (e.type === "link" || base.startsWith(WH) || writes.touches(rel)) await writes.drain();
      if (await whiteout(root, rel, opts.whiteouts, created, p)) continue;
      const abs = await root.prepare(rel, e.name);
      created.add(rel);
      switch (e.type) {
        case "directory":
          await fs
            .mkdir(abs, { mode: 0o700 })
            .catch(async (err: NodeJS.ErrnoException) => {
              if (err.code !== "EEXIST") throw err;
              await removeExisting(root, rel, abs, true);
              await fs.mkdir(abs, { mode: 0o700 }).catch(() => undefined);
            });
          root.markDir(rel);
          break;
        case "file":
          await writes.add(rel, async () => {
            const out = await createFile(root, rel, abs);
            try {
              if (e.size) await copyData(tarFh, e, out);
            } finally {
              await out.close();
            }
          });
          break;
        case "symlink":
          await removeExisting(root, rel, abs, false);
          // The target is stored verbatim and never followed by the extractor.
          await fs.symlink(e.linkname ?? "", abs);
          break;
        case "link": {
          const target = checkLinkTarget(e.name, e.linkname ?? "");
          const targetAbs = await root.prepare(target, e.name);
          const st = await fs.lstat(targetAbs).catch(() => undefined);
          if (!st)
            throw new UnsafePathError(
              e.name,
              `hardlink target '${e.linkname}' is not in this layer`,
            );
          if (st.isDirectory())
            throw new UnsafePathError(
              e.name,
              `hardlink target '${e.linkname}' is a directory`,
            );
          await removeExisting(root, rel, abs, false);
          await fs.link(targetAbs, abs);
          continue; // a hardlink shares its target's metadata
        }
        default:
          await removeExisting(root, rel, abs, false);
          p.nodes.push({
            op: "mknod",
            path: abs,
            mode: MODE_BITS[e.type] | e.mode,
            major: e.devmajor ?? 0,
            minor: e.devminor ?? 0,
          });
      }
      p.meta.push({ abs, e });
      for (const [name, value] of e.xattrs)
        if (KEPT_XATTRS.has(name))
          p.xattrs.push({ op: "setxattr", path: abs, name, value });
    }
    await writes.drain();
  } finally {
    await writes.settle();
    await tarFh.close();
  }
  await runNativeOrThrow(p.nodes);
  // Owner before mode (chown clears setuid), xattrs after chown (it clears file
  // capabilities), directory times last (writing children changes them).
  await eachLimited(p.meta, async ({ abs, e }) => {
    await fs.lchown(abs, e.uid, e.gid);
    if (e.type !== "symlink") await fs.chmod(abs, e.mode);
    if (e.type !== "directory") await fs.lutimes(abs, e.mtime, e.mtime);
  });
  await runNativeOrThrow(p.xattrs);
  const dirs = p.meta.filter((m) => m.e.type === "directory");
  await eachLimited(dirs, ({ abs, e }) => fs.lutimes(abs, e.mtime, e.mtime));
}
