// saveArtifact(): exports a file or tree from the filesystem as an artifact that
// other targets copy (`+target/<as>`) and that lands in the output folder.
import { z } from 'zod';
import { locSchema, withLoc } from './common.js';

export const saveArtifactVersion = 1;

export const saveArtifactSchema = z.object({
  kind: z.literal('saveArtifact'),
  path: z.string().startsWith('/', 'artifact path must be absolute in the target filesystem'),
  as: z.string().min(1).refine((s) => !s.split('/').includes('..') && !s.startsWith('/'), 'as must be a relative path without ..'),
  local: z.boolean().default(true),
  loc: locSchema,
});
export type SaveArtifactStep = z.infer<typeof saveArtifactSchema>;

export function saveArtifact(path: string, opts: { as?: string; local?: boolean } = {}): SaveArtifactStep {
  const as = opts.as ?? path.replace(/\/+$/, '').split('/').pop() ?? path;
  return saveArtifactSchema.parse(withLoc({ kind: 'saveArtifact', path, as, local: opts.local }));
}
