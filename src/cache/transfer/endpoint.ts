// Where an exported cache lives, seen by export (a sink) and import (a source).
// One module per kind: dir.ts, archive.ts, registry.ts.
import type { Readable } from 'node:stream';
import type { Descriptor } from '../../oci/types.js';
import type { BuiltCache } from './format.js';

export interface BlobContent {
  open: () => Readable;
  /** The blob's file in the local store, when it has one (archives read it directly). */
  path?: string;
}

export interface CacheSink {
  where: string;
  /** True when the destination already holds the blob: export skips it. */
  hasBlob(desc: Descriptor): Promise<boolean>;
  putBlob(desc: Descriptor, content: BlobContent): Promise<void>;
  /** Publishes the manifest (and, for layouts, the index): the export's commit point. */
  putManifest(built: BuiltCache): Promise<void>;
  /** Ends the export; `ok` false discards what a partial archive wrote. */
  close(ok: boolean): Promise<void>;
}

export interface CacheSource {
  where: string;
  /** The cache manifest's bytes, or undefined when nothing has been exported there yet. */
  manifest(): Promise<Buffer | undefined>;
  /** The blob's bytes as sent; the importer verifies the digest. */
  blob(desc: Descriptor): AsyncIterable<Buffer>;
  close(): Promise<void>;
}
