// Image references, normalized the way Docker does (`ubuntu` → docker.io/library/ubuntu:latest).
// Pure string handling: no network, no options; where requests go is endpoint.ts's job.
import { isDigest, type Digest } from '../../cache/digest.js';
import { InvalidReferenceError } from './errors.js';

export interface ImageRef {
  /** Registry identity: `docker.io`, `quay.io`, `127.0.0.1:5000`. Never the API host. */
  registry: string;
  /** Repository path in the registry: `library/ubuntu`. */
  repository: string;
  tag?: string;
  /** When present it wins over the tag for fetching. */
  digest?: Digest;
}

export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

// Grammar from the distribution reference spec, simplified to what a user types.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?$|^\[[0-9a-fA-F:]+\](?::[0-9]+)?$/;

/** Parses and normalizes a reference; a bare name gets the `latest` tag (as Docker does). */
export function parseReference(input: string): ImageRef {
  const s = input.trim();
  if (!s) throw new InvalidReferenceError(input, 'it is empty');
  let rest = s;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) throw new InvalidReferenceError(input, `'${d}' is not a sha256 digest (sha256:<64 hex>)`);
    digest = d;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new InvalidReferenceError(input, `'${tag}' is not a valid tag`);
  }
  let registry = DOCKER_HUB;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    // Docker's rule: the first component is a host when it has a dot or port, or is localhost.
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('[')) {
      if (!DOMAIN.test(first)) throw new InvalidReferenceError(input, `'${first}' is not a valid registry host`);
      registry = DOCKER_HUB_ALIASES.has(first) ? DOCKER_HUB : first;
      path = rest.slice(slash + 1);
    }
  }
  if (!path) throw new InvalidReferenceError(input, 'the repository name is missing');
  if (path !== path.toLowerCase()) throw new InvalidReferenceError(input, 'repository names must be lowercase');
  for (const c of path.split('/')) {
    if (!COMPONENT.test(c)) throw new InvalidReferenceError(input, `'${c}' is not a valid path component`);
  }
  if (registry === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  if (!tag && !digest) tag = 'latest';
  return { registry, repository: path, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** The canonical string: `docker.io/library/ubuntu:24.04` or `...@sha256:...` (tag kept when both). */
export function formatReference(ref: ImageRef): string {
  let s = `${ref.registry}/${ref.repository}`;
  if (ref.tag) s += `:${ref.tag}`;
  if (ref.digest) s += `@${ref.digest}`;
  return s;
}

/** What to put after /manifests/: the digest when pinned, else the tag. */
export function manifestReference(ref: ImageRef): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

/** The same image pinned to a digest (the tag kept for humans). */
export function withDigest(ref: ImageRef, digest: Digest): ImageRef {
  return { ...ref, digest };
}

/** The host the API lives on for a registry identity (Docker Hub's differs from its name). */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
}

/** Registry identities that match this host, for credential lookup (`https://index.docker.io/v1/`, ...). */
export function registryAliases(registry: string): string[] {
  return registry === DOCKER_HUB ? ['docker.io', 'index.docker.io', 'registry-1.docker.io'] : [registry];
}
