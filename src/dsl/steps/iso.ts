// iso(): a bootable ISO9660 image of a folder of the filesystem, written by our
// own writer (src/writers/iso). Boot images are paths inside that folder.
import { z } from 'zod';
import { locSchema, withLoc } from './common.js';

export const isoVersion = 1;

export const isoSchema = z.object({
  kind: z.literal('iso'),
  volid: z.string().min(1).max(32),
  root: z.string().startsWith('/').default('/'),
  as: z.string().min(1),
  boot: z
    .object({
      bios: z.object({ image: z.string(), loadSize: z.number().int().positive().default(4), bootInfoTable: z.boolean().default(true), grub2BootInfo: z.boolean().default(false) }).optional(),
      efi: z.object({ image: z.string() }).optional(),
      catalog: z.string().default('boot/boot.catalog'),
      hybridMbr: z.string().optional(),
    })
    .optional(),
  loc: locSchema,
});
export type IsoStep = z.infer<typeof isoSchema>;

export function iso(opts: Omit<z.input<typeof isoSchema>, 'kind' | 'loc'>): IsoStep {
  return isoSchema.parse(withLoc({ kind: 'iso', ...opts }));
}
