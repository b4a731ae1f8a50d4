// iso(): a folder of the filesystem written as a bootable ISO by our own writer.
// The writer gets the folder as an entry list: big files whose bytes are already
// a blob of the store (the squashfs, kernel and initrd artifacts copied in) are
// read from that blob, found by hashing their bytes in the layer; the others are
// copied out to the cache's tmp/. The image is stored as a blob, and a
// `<as>.sha256` file goes beside it.
import { promises as fs, createReadStream, createWriteStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { IsoStep } from '../../dsl/steps/iso.js';
import { writeIso, type IsoEntry } from '../../writers/iso/index.js';
import { flatView, relPath, type FlatView } from '../fs-view.js';
import { materialize, subtree } from '../../oci/layer/materialize.js';
import { resolveInView } from './artifact-io.js';
import { PathNotFoundError } from '../../errors/index.js';
import { fixedMtime } from '../../oci/layer/entry.js';
import type { FlatEntry } from '../../oci/layer/flatten.js';
import type { CacheStore } from '../../cache/store.js';
import type { Digest } from '../../cache/digest.js';
import { noInputs, type StepImpl } from './types.js';

/** Files at least this big are looked up in the store by content before being copied. */
const BLOB_LOOKUP_MIN = 1 << 20;

async function regionDigest(f: FlatEntry, signal?: AbortSignal): Promise<Digest> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(f.blob, { start: f.offset, end: f.offset + f.entry.size - 1, highWaterMark: 1 << 20, signal })) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** A host file holding `f`'s bytes: a store blob with the same content, else a copy in `tmp`. */
async function hostFileOf(store: CacheStore, f: FlatEntry, tmp: string, n: number, signal?: AbortSignal): Promise<string> {
  if (f.entry.size >= BLOB_LOOKUP_MIN) {
    const digest = await regionDigest(f, signal);
    // Blobs are immutable and published only after their digest was checked.
    if ((await store.blobSize(digest)) === f.entry.size) return store.blobPath(digest);
  }
  const out = join(tmp, String(n));
  await pipeline(createReadStream(f.blob, { start: f.offset, end: f.offset + f.entry.size - 1 }), createWriteStream(out), { signal });
  return out;
}

/** The folder `root` of the view as ISO entries (devices and fifos left out, as before). */
export async function isoEntries(store: CacheStore, view: FlatView, root: string, tmp: string, signal?: AbortSignal): Promise<IsoEntry[]> {
  const top = root ? view.byPath.get(root)!.entry : undefined;
  const out: IsoEntry[] = [
    top ? { path: '', type: 'dir', mode: top.mode, uid: top.uid, gid: top.gid, mtime: top.mtime } : { path: '', type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: fixedMtime() },
  ];
  const entries = subtree(view.entries, root);
  const inTree = new Set(entries.map((f) => f.entry.path));
  await fs.mkdir(tmp, { recursive: true, mode: 0o700 });
  let n = 0;
  for (const f of entries) {
    signal?.throwIfAborted();
    const e = f.entry;
    const attrs = { path: e.path, mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime };
    switch (e.type) {
      case 'directory':
        out.push({ ...attrs, type: 'dir' });
        break;
      case 'symlink':
        out.push({ ...attrs, type: 'symlink', mode: 0o777, linkTarget: e.linkname ?? '' });
        break;
      case 'file':
        out.push(e.size === 0 ? { ...attrs, type: 'file', size: 0 } : { ...attrs, type: 'file', size: e.size, hostPath: await hostFileOf(store, f, tmp, n++, signal) });
        break;
      case 'link': {
        const to = e.linkname ?? '';
        // subtree() re-roots only link targets inside the folder.
        const original = root ? (view.byPath.get(`${root}/${e.path}`)?.entry.linkname ?? '') : to;
        if ((!root || original.startsWith(`${root}/`)) && inTree.has(to)) {
          out.push({ ...attrs, type: 'file', hardlinkTo: to });
          break;
        }
        // A hardlink to a file outside the folder: its own copy of the bytes.
        const target = resolveInView(view, root ? `${root}/${e.path}` : e.path);
        if (target?.entry.type !== 'file') break;
        const t = target.entry;
        out.push({ ...attrs, mode: t.mode, uid: t.uid, gid: t.gid, mtime: t.mtime, type: 'file', size: t.size, ...(t.size ? { hostPath: await hostFileOf(store, target, tmp, n++, signal) } : {}) });
        break;
      }
      default:
      // devices and fifos are not needed on a boot medium
    }
  }
  return out;
}

export const isoStep: StepImpl<IsoStep> = {
  changesFs: false,
  inputs: noInputs,
  async execute(step, state, ctx) {
    const view = await flatView(ctx.store, state!);
    const root = relPath(step.root);
    if (root && view.byPath.get(root)?.entry.type !== 'directory') throw new PathNotFoundError(step.root, ctx.inst.target.def.name, ctx.where);
    const files = ctx.store.tmpPath('iso-files');
    const out = ctx.store.tmpPath('iso');
    const mbr = ctx.store.tmpPath('mbr');
    try {
      const entries = await isoEntries(ctx.store, view, root, files, ctx.signal);
      let hybridMbr: string | undefined;
      if (step.boot?.hybridMbr) {
        const e = resolveInView(view, relPath(step.boot.hybridMbr));
        if (!e || e.entry.type !== 'file') throw new PathNotFoundError(step.boot.hybridMbr, ctx.inst.target.def.name, ctx.where);
        await materialize([{ ...e, entry: { ...e.entry, path: 'mbr.img' } }], mbr, ctx.signal);
        hybridMbr = `${mbr}/mbr.img`;
      }
      const { sha256 } = await writeIso({ entries }, out, {
        volumeId: step.volid,
        sourceDateEpoch: fixedMtime(),
        signal: ctx.signal,
        boot: step.boot
          ? { bios: step.boot.bios, efi: step.boot.efi ? { image: step.boot.efi.image, appendAsPartition: Boolean(hybridMbr) } : undefined, catalog: step.boot.catalog, hybridMbr }
          : undefined,
      });
      const digest = `sha256:${sha256.replace(/^sha256:/, '')}` as const;
      const iso = await ctx.store.putFile(out, digest);
      const sum = await ctx.store.putBuffer(`${digest.slice(7)}  ${basename(step.as)}\n`);
      return {
        outputs: {
          iso: { mediaType: 'application/vnd.efi.iso', digest: iso.digest, size: iso.size },
          sha256: { mediaType: 'text/plain', digest: sum.digest, size: sum.size },
        },
      };
    } finally {
      await Promise.all([files, out, mbr].map((p) => fs.rm(p, { recursive: true, force: true })));
    }
  },
  describe(step) {
    return `${step.volid} from ${step.root} -> ${step.as}`;
  },
};
