// Registry bases for from('image:tag'): the tag is resolved to a digest once
// (remembered in the cache, so offline no-op builds need no network; --pull
// asks the registry again), and the image is pulled only when a step must
// execute on it.
import type { FsState } from '../../oci/types.js';
import type { StepContext } from '../context.js';
import { pullImage, resolveImage, parseReference } from '../../oci/registry/index.js';

function regOpts(ctx: StepContext) {
  return { mirrors: ctx.settings.registry.mirrors, insecure: ctx.settings.registry.insecure, signal: ctx.signal, store: ctx.store };
}

export async function resolveBaseImage(ref: string, platform: string, ctx: StepContext): Promise<string> {
  if (/@sha256:[0-9a-f]{64}$/.test(ref)) return ref.slice(ref.indexOf('@') + 1);
  const memoKey = `image|${ref}|${platform}`;
  if (!ctx.settings.registry.pull) {
    const known = await ctx.store.getTag(memoKey);
    if (known) return known;
  }
  const { digest } = await resolveImage(ref, { ...regOpts(ctx), platform });
  await ctx.store.setTag(memoKey, digest);
  return digest;
}

export async function pullBaseImage(ref: string, digest: string, platform: string, ctx: StepContext): Promise<FsState> {
  const r = parseReference(ref);
  const pinned = `${r.registry}/${r.repository}@${digest}`;
  const img = await pullImage(pinned, ctx.store, { ...regOpts(ctx), platform });
  return { layers: img.layers, config: img.config };
}
