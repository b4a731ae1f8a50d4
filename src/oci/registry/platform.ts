// Platforms (`linux/arm64/v8`) and choosing one manifest out of an index or manifest list.
import type { Descriptor } from '../types.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

export function parsePlatform(s: string): Platform {
  const [os, architecture, variant] = s.split('/');
  if (!os || !architecture) throw new Error(`platform '${s}' must be OS/ARCH[/VARIANT], e.g. linux/amd64`);
  return normalize({ os, architecture, ...(variant ? { variant } : {}) });
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** Folds aliases so `arm64` and `arm64/v8`, `x86_64` and `amd64` compare equal. */
function normalize(p: Platform): Platform {
  const arch = ({ x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', armhf: 'arm', armel: 'arm' } as Record<string, string>)[p.architecture] ?? p.architecture;
  let variant = p.variant;
  if (arch === 'arm64' && variant === 'v8') variant = undefined;
  return { os: p.os, architecture: arch, ...(variant ? { variant } : {}) };
}

function matches(want: Platform, have: Platform): boolean {
  const w = normalize(want);
  const h = normalize(have);
  if (w.os !== h.os || w.architecture !== h.architecture) return false;
  // No variant asked: take any (the first listed wins, as Docker does for arm/v7 vs v6).
  return !w.variant || w.variant === h.variant;
}

/** The descriptor for `want`, or undefined; attestation entries (`unknown/unknown`) never match. */
export function selectPlatform(manifests: Descriptor[], want: Platform): Descriptor | undefined {
  return manifests.find((m) => m.platform && m.platform.os !== 'unknown' && matches(want, m.platform));
}

export function availablePlatforms(manifests: Descriptor[]): string[] {
  return manifests.filter((m) => m.platform && m.platform.os !== 'unknown').map((m) => formatPlatform(m.platform!));
}
