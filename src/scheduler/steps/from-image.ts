// Registry bases for from('image:tag'): the tag is resolved to a manifest digest
// (remembered in the cache so offline no-op builds need no network; --pull
// refreshes it), and the image is pulled only when a step must execute on it.
import { KairosError } from '../../errors/base.js';
import type { FsState } from '../../oci/types.js';
import type { StepContext } from '../context.js';

class RegistryUnavailableError extends KairosError {
  readonly code = 'REGISTRY_CLIENT_MISSING';
  constructor(ref: string) {
    super(`cannot pull ${ref}: this build of kairos-pipe has no registry client`, { hint: 'Use bootstrap() or a target base instead.' });
  }
}

type RegistryModule = {
  resolveImage: (ref: string, opts: Record<string, unknown>) => Promise<{ digest: string }>;
  pullImage: (ref: string, store: unknown, opts: Record<string, unknown>) => Promise<{ config: FsState['config']; layers: FsState['layers'] }>;
};

async function registry(ref: string): Promise<RegistryModule> {
  try {
    return (await import('../../oci/registry/index.js')) as unknown as RegistryModule;
  } catch {
    throw new RegistryUnavailableError(ref);
  }
}

function regOpts(ctx: StepContext, platform: string): Record<string, unknown> {
  return { mirrors: ctx.settings.registry.mirrors, insecure: ctx.settings.registry.insecure, platform, signal: ctx.signal };
}

export async function resolveBaseImage(ref: string, platform: string, ctx: StepContext): Promise<string> {
  if (/@sha256:[0-9a-f]{64}$/.test(ref)) return ref.slice(ref.indexOf('@') + 1);
  const memoKey = `${ref}|${platform}`;
  if (!ctx.settings.registry.pull) {
    const known = await ctx.store.getTag(memoKey);
    if (known) return known;
  }
  const reg = await registry(ref);
  const { digest } = await reg.resolveImage(ref, regOpts(ctx, platform));
  await ctx.store.setTag(memoKey, digest);
  return digest;
}

export async function pullBaseImage(ref: string, digest: string, platform: string, ctx: StepContext): Promise<FsState> {
  const reg = await registry(ref);
  const name = ref.includes('@') ? ref.slice(0, ref.indexOf('@')) : ref.replace(/:[^:/]+$/, '');
  const img = await reg.pullImage(`${name}@${digest}`, ctx.store, regOpts(ctx, platform));
  return { layers: img.layers, config: img.config };
}
