// saveImage(): writes the filesystem and config as an OCI image (an archive in
// the output folder that `docker load` and skopeo read; optionally pushed).
import { z } from 'zod';
import { locSchema, withLoc } from './common.js';

export const saveImageVersion = 1;

export const saveImageSchema = z.object({
  kind: z.literal('saveImage'),
  name: z.string().regex(/^[a-z0-9][a-z0-9._/:@-]*$/, 'image names are lowercase, like kairos-debian:v1'),
  push: z.boolean().default(false),
  as: z.string().optional(),
  loc: locSchema,
});
export type SaveImageStep = z.infer<typeof saveImageSchema>;

export function saveImage(name: string, opts: { push?: boolean; as?: string } = {}): SaveImageStep {
  return saveImageSchema.parse(withLoc({ kind: 'saveImage', name, ...opts }));
}
