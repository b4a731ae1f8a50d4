// Which mirror a bootstrap step uses, and the digest of its Release file: the
// mutable input that goes into the step's cache key (a mirror update is a miss).
import { createHash } from 'node:crypto';
import type { BootstrapStep } from '../../dsl/steps/bootstrap.js';
import type { Digest } from '../../cache/digest.js';
import { BootstrapMirrorError, BootstrapSuiteError } from './errors.js';

const UBUNTU_MAIN_ARCHES = new Set(['amd64', 'i386']);

/** The mirror a step uses when it names none: Debian's CDN, or Ubuntu's archive (ports for non-x86). */
export function defaultMirror(distro: BootstrapStep['distro'], arch: string): string {
  if (distro === 'debian') return 'http://deb.debian.org/debian';
  return UBUNTU_MAIN_ARCHES.has(arch) ? 'http://archive.ubuntu.com/ubuntu' : 'http://ports.ubuntu.com/ubuntu-ports';
}

export function mirrorOf(step: Pick<BootstrapStep, 'distro' | 'arch' | 'mirror'>): string {
  return (step.mirror ?? defaultMirror(step.distro, step.arch)).replace(/\/+$/, '');
}

export interface KeyInputOptions {
  signal?: AbortSignal;
  /** Per-request time limit; a mirror that does not answer in time counts as unreachable. */
  timeoutMs?: number;
  /** Injectable for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/**
 * Fetches `<mirror>/dists/<suite>/InRelease` (or `Release` where a mirror has no
 * InRelease) and returns its sha256, for the engine to put in the cache key.
 */
export async function bootstrapKeyInputs(step: Pick<BootstrapStep, 'distro' | 'arch' | 'mirror' | 'suite'>, opts: KeyInputOptions = {}): Promise<{ releaseDigest: Digest; url: string }> {
  const base = `${mirrorOf(step)}/dists/${step.suite}`;
  const inRelease = await getRelease(`${base}/InRelease`, opts);
  if (inRelease) return { releaseDigest: digestOf(inRelease), url: `${base}/InRelease` };
  const release = await getRelease(`${base}/Release`, opts);
  if (release) return { releaseDigest: digestOf(release), url: `${base}/Release` };
  throw new BootstrapSuiteError(step.suite, `${base}/Release`);
}

function digestOf(buf: Buffer): Digest {
  return `sha256:${createHash('sha256').update(buf).digest('hex')}`;
}

/** The body, or undefined on 404; any other failure is an unreachable mirror. */
async function getRelease(url: string, opts: KeyInputOptions): Promise<Buffer | undefined> {
  const host = hostOf(url);
  const signals = [AbortSignal.timeout(opts.timeoutMs ?? 30_000)];
  if (opts.signal) signals.push(opts.signal);
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(url, { signal: AbortSignal.any(signals), redirect: 'follow' });
  } catch (e) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    throw new BootstrapMirrorError(host, url, describe(e), e);
  }
  if (res.status === 404) {
    await res.body?.cancel();
    return undefined;
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new BootstrapMirrorError(host, url, `HTTP ${res.status} ${res.statusText}`);
  }
  try {
    return Buffer.from(await res.arrayBuffer());
  } catch (e) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    throw new BootstrapMirrorError(host, url, describe(e), e);
  }
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function describe(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError') return 'no answer in time';
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e);
}
