import { KairosError } from '../../errors/base.js';

export class TarFormatError extends KairosError {
  readonly code = 'TAR_FORMAT';
  constructor(readonly file: string, detail: string) {
    super(`layer tar ${file} is malformed: ${detail}`, { hint: 'The blob is treated as corrupt; delete it or run `kairos-pipe cache prune` and rebuild.' });
  }
}

export class UnsafePathError extends KairosError {
  readonly code = 'UNSAFE_PATH';
  constructor(readonly entryPath: string, reason: string) {
    super(`refusing tar entry '${entryPath}': ${reason}`, { hint: 'The layer or archive was crafted to write outside its root; it was not extracted.' });
  }
}
