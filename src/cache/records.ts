// A step result record: what a cache key maps to. It holds the whole state after
// the step (layer chain + config) so a hit on step N needs no walk up the chain.
import type { Digest } from './digest.js';
import type { Descriptor, FsState } from '../oci/types.js';

export interface StepRecord {
  /** Cache key of the step (hex). */
  key: string;
  /** Step kind, for `--explain` and `cache du`. */
  kind: string;
  /** Target instance and step position, for `--explain`: `+hello[3]`. */
  position: string;
  /** The key inputs, kept so a later miss can say which one changed. */
  inputs: Record<string, unknown>;
  /** Filesystem state after the step (absent for pure outputs). */
  state?: FsState;
  /** Blobs an output step produced: artifacts, rootfs tarball, image manifest, ISO. */
  outputs?: Record<string, Descriptor>;
  created: string;
}

/** Every blob a record needs, with the size its descriptor gives: if one is missing the record is a miss. */
export function recordBlobSizes(record: StepRecord): Map<Digest, number | undefined> {
  const out = new Map<Digest, number | undefined>();
  for (const d of [...(record.state?.layers ?? []), ...Object.values(record.outputs ?? {})]) if (!out.has(d.digest)) out.set(d.digest, d.size);
  return out;
}

export function recordBlobs(record: StepRecord): Digest[] {
  return [...recordBlobSizes(record).keys()];
}
