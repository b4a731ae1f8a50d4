// The cache key of a step: sha256 over the canonical encoding of the parent
// key, the step's normalized spec (source location dropped) with its schema
// version, and the digests of its inputs. No host paths, times or cache location.
import { createHash, randomBytes } from 'node:crypto';
import { canonicalJson } from './canonical.js';
import { STEP_VERSIONS, type Step } from '../dsl/steps/index.js';

/** Bumped when the engine changes what any step produces. */
export const ENGINE_KEY_VERSION = 1;

export interface KeyInputs {
  parent: string | null;
  step: Record<string, unknown>;
  version: number;
  inputs: Record<string, unknown>;
}

/**
 * The step as it enters the key: everything but where it was written. Target
 * refs lose their `file` (an absolute path, used only to find the target): the
 * dependency's own key already stands for its content.
 */
export function normalizedSpec(step: Step): Record<string, unknown> {
  const spec = stripHostPaths(step) as Record<string, unknown>;
  // How a cache mount is shared between concurrent steps never changes what a step produces.
  if (step.kind === 'run') spec.mounts = step.mounts.map(({ sharing: _sharing, ...m }) => m);
  return spec;
}

function stripHostPaths(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripHostPaths);
  if (!v || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  const isRef = typeof (v as { ref?: unknown }).ref === 'string';
  for (const [k, x] of Object.entries(v)) {
    if (k === 'loc' || (isRef && k === 'file')) continue;
    out[k] = stripHostPaths(x);
  }
  return out;
}

export function keyInputs(parent: string | null, step: Step, inputs: Record<string, unknown>): KeyInputs {
  const spec = normalizedSpec(step);
  // noCache / cache:'never' steps get a key of their own every time, never shared.
  if ((step.kind === 'run' && (step.noCache || step.cache === 'never')) || inputs.noCache === true) {
    inputs = { ...inputs, nonce: randomBytes(16).toString('hex') };
  }
  return { parent, step: spec, version: STEP_VERSIONS[step.kind], inputs };
}

export function computeKey(k: KeyInputs): string {
  return createHash('sha256').update(canonicalJson({ engine: ENGINE_KEY_VERSION, ...k })).digest('hex');
}
