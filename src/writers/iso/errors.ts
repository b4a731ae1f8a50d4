// Errors of the ISO9660 writer: each has a stable code; messages say what and where,
// hints say what to do. FAT errors live with the FAT writer and are re-exported here.
import { KairosError } from '../../errors/base.js';

export { FatTooSmallError, FatInvalidInputError } from '../fat/errors.js';

/** Two entries with the same real path (Rock Ridge name), which no mangling can fix. */
export class IsoNameClashError extends KairosError {
  readonly code = 'ISO_NAME_CLASH';
}

/** An entry path (or boot image path) that leaves the image root through `..`. */
export class IsoPathEscapesRootError extends KairosError {
  readonly code = 'ISO_PATH_ESCAPES_ROOT';
}

/** Hardlink entries that point at each other in a loop instead of at a real file. */
export class IsoHardlinkCycleError extends KairosError {
  readonly code = 'ISO_HARDLINK_CYCLE';
}

/** An entry that cannot be written: bad name, bad type, a file used as a folder, a missing link target. */
export class IsoInvalidEntryError extends KairosError {
  readonly code = 'ISO_INVALID_ENTRY';
}

/** A boot image path that is not a regular file of the tree. */
export class IsoBootImageMissingError extends KairosError {
  readonly code = 'ISO_BOOT_IMAGE_MISSING';
}

/** A boot image that El Torito cannot describe (sector count is 16 bits of 512-byte sectors). */
export class IsoBootImageTooLargeError extends KairosError {
  readonly code = 'ISO_BOOT_IMAGE_TOO_LARGE';
}

/** A boot image too small for the patches asked for (boot info table, GRUB2 boot info). */
export class IsoBootImageTooSmallError extends KairosError {
  readonly code = 'ISO_BOOT_IMAGE_TOO_SMALL';
}

/** An option out of range: volume id, load size, dates. */
export class IsoInvalidOptionError extends KairosError {
  readonly code = 'ISO_INVALID_OPTION';
}

/** More directories than the 16-bit parent numbers of the path table can address. */
export class IsoTooManyDirectoriesError extends KairosError {
  readonly code = 'ISO_TOO_MANY_DIRECTORIES';
}

/** A source file changed size while the image was written. */
export class IsoSourceChangedError extends KairosError {
  readonly code = 'ISO_SOURCE_CHANGED';
}

/** The caller's AbortSignal fired; the partial output was removed. */
export class IsoAbortedError extends KairosError {
  readonly code = 'ISO_ABORTED';
}

/** The image could not be written (a full disk, a quota, an I/O error); nothing was left behind. */
export class IsoOutputError extends KairosError {
  readonly code = 'ISO_OUTPUT_FAILED';
}
