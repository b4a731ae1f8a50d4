// Errors of the FAT image writer: each has a stable code the CLI and tests switch on.
import { KairosError } from '../../errors/base.js';

/** The requested (or largest allowed) image size cannot hold the files for this FAT type. */
export class FatTooSmallError extends KairosError {
  readonly code = 'FAT_TOO_SMALL';
}

/** A file name, path or option the FAT writer cannot represent. */
export class FatInvalidInputError extends KairosError {
  readonly code = 'FAT_INVALID_INPUT';
}
