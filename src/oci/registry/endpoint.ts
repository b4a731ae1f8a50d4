// Where requests for a registry identity go: mirrors, the Docker Hub API host, and
// whether to speak plain HTTP. The image identity never changes, only the URL.
import { apiHost } from './reference.js';
import type { RegistryOptions } from './options.js';

export interface Endpoint {
  /** Identity from the reference, e.g. docker.io. */
  registry: string;
  /** host[:port] the requests go to. */
  host: string;
  /** `http://host` or `https://host`, no trailing slash. */
  baseUrl: string;
  /** True when a mirror replaced the registry's own host. */
  mirrored: boolean;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/** Resolves the endpoint; `forPush` ignores mirrors, as Docker does (mirrors are read-only caches). */
export function resolveEndpoint(registry: string, opts: Pick<RegistryOptions, 'mirrors' | 'insecure'>, forPush = false): Endpoint {
  const mirror = forPush ? undefined : opts.mirrors?.[registry];
  if (mirror) {
    const m = /^(https?):\/\/([^/]+)\/?$/.exec(mirror);
    if (m) return { registry, host: m[2], baseUrl: `${m[1]}://${m[2]}`, mirrored: true };
    return { registry, host: mirror, baseUrl: `${schemeFor(mirror, opts.insecure)}://${mirror}`, mirrored: true };
  }
  const host = apiHost(registry);
  return { registry, host, baseUrl: `${schemeFor(host, opts.insecure)}://${host}`, mirrored: false };
}

function schemeFor(host: string, insecure: string[] | undefined): 'http' | 'https' {
  if (isLoopback(host)) return 'http';
  const bare = host.replace(/:\d+$/, '');
  return insecure?.some((h) => h === host || h === bare) ? 'http' : 'https';
}

/** Parses `--registry-mirror docker.io=127.0.0.1:5000` values into the mirrors option. */
export function parseMirrorFlags(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    // A bare HOST means "mirror of Docker Hub", as dockerd's registry-mirrors does.
    if (eq < 0) out['docker.io'] = v;
    else out[v.slice(0, eq) === 'index.docker.io' ? 'docker.io' : v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}
