// fatImage(): a FAT image (an EFI system partition) made in-process from files
// of the filesystem, placed at `dest` as a new layer. No mkfs.vfat or mtools.
import { z } from 'zod';
import { locSchema, withLoc } from './common.js';

export const fatImageVersion = 1;

export const fatImageSchema = z.object({
  kind: z.literal('fatImage'),
  label: z.string().min(1).max(11),
  /** Path inside the FAT image → absolute path in the filesystem. */
  files: z.record(z.string().min(1), z.string().startsWith('/')),
  dest: z.string().startsWith('/'),
  sizeBytes: z.number().int().positive().optional(),
  loc: locSchema,
});
export type FatImageStep = z.infer<typeof fatImageSchema>;

export function fatImage(opts: Omit<z.input<typeof fatImageSchema>, 'kind' | 'loc'>): FatImageStep {
  return fatImageSchema.parse(withLoc({ kind: 'fatImage', ...opts }));
}
