// Public API of the ISO9660 writer: a tree (host folder or entry list) in, a bootable,
// reproducible ISO (Rock Ridge, Joliet, El Torito, optional MBR/GPT hybrid) out.
import { finishBoot, prepareBoot, type IsoBootOptions } from './boot.js';
import { IsoAbortedError, IsoInvalidOptionError } from './errors.js';
import { planLayout } from './layout.js';
import { ImageSink } from './sink.js';
import { type IsoSource, treeFromDir, treeFromEntries } from './tree.js';
import { emitImage } from './writer.js';

export type { IsoBootOptions } from './boot.js';
export type { IsoEntry, IsoEntryType, IsoSource } from './tree.js';
export * from './errors.js';

export interface IsoOptions {
  /** Up to 32 characters; Kairos uses `COS_LIVE`. */
  volumeId: string;
  publisher?: string;
  preparer?: string;
  application?: string;
  /** Seconds since the epoch for the volume dates (and entries without mtime). Default SOURCE_DATE_EPOCH, else 0. */
  sourceDateEpoch?: number;
  boot?: IsoBootOptions;
  signal?: AbortSignal;
}

function checkOptions(opts: IsoOptions): number {
  if (!/^[\x20-\x7e]{1,32}$/.test(opts.volumeId)) {
    throw new IsoInvalidOptionError(`volume id "${opts.volumeId}" must be 1 to 32 printable ASCII characters`, {
      hint: 'Use upper-case letters, digits and "_", e.g. COS_LIVE.',
    });
  }
  const env = process.env.SOURCE_DATE_EPOCH;
  const epoch = opts.sourceDateEpoch ?? (env !== undefined && env !== '' ? Number(env) : 0);
  if (!Number.isFinite(epoch) || epoch < 0) throw new IsoInvalidOptionError(`sourceDateEpoch "${epoch}" is not a count of seconds`);
  return Math.floor(epoch);
}

/**
 * Writes `source` as an ISO image at `outPath` (through a temp file beside it, renamed at the
 * end: on error or abort nothing is left behind). Returns the size and sha256 of the image.
 */
export async function writeIso(source: IsoSource, outPath: string, opts: IsoOptions): Promise<{ size: number; sha256: string }> {
  const epoch = checkOptions(opts);
  const root = 'dir' in source ? await treeFromDir(source.dir) : await treeFromEntries(source.entries, epoch);
  const prep = await prepareBoot(root, opts.boot);
  const layout = planLayout(root, {
    boot: Boolean(prep.bios || prep.efi),
    partitionOffset: prep.partitionOffset,
    appendEsp: prep.efi?.append ? prep.efi.content : undefined,
    gptTailBlocks: prep.gptTailBlocks,
  });
  const parts = await finishBoot(prep, layout, root, opts.volumeId);
  if (opts.signal?.aborted) throw new IsoAbortedError('ISO writing was aborted before it started', { cause: opts.signal.reason });
  const sink = await ImageSink.open(outPath, opts.signal);
  try {
    await emitImage(sink, layout, {
      volume: {
        volumeId: opts.volumeId, systemId: 'LINUX', volumeSetId: opts.volumeId, publisher: opts.publisher ?? '',
        preparer: opts.preparer ?? '', application: opts.application ?? 'KAIROS-PIPE', date: epoch,
      },
      ...parts,
    });
    return await sink.finish();
  } catch (err) {
    await sink.discard();
    throw err;
  }
}
