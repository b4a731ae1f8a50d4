// Errors of the registry client. Each has a stable `code`; messages name the registry,
// repository or reference and what to do. No message ever carries a credential.
import { KairosError } from '../../errors/base.js';

const PUBLIC_REGISTRIES = ['docker.io', 'registry-1.docker.io', 'index.docker.io', 'quay.io', 'ghcr.io', 'gcr.io', 'registry.k8s.io', 'public.ecr.aws', 'mcr.microsoft.com', 'registry.opensuse.org', 'registry.fedoraproject.org'];

export function isPublicRegistry(host: string): boolean {
  const h = host.replace(/:\d+$/, '');
  return PUBLIC_REGISTRIES.includes(h) || h.endsWith('.gcr.io') || h.endsWith('.pkg.dev');
}

export class InvalidReferenceError extends KairosError {
  readonly code = 'INVALID_IMAGE_REFERENCE';
  constructor(readonly reference: string, reason: string) {
    super(`image reference '${reference}' is invalid: ${reason}`, {
      hint: 'Write it as [HOST[:PORT]/]NAME[:TAG][@sha256:DIGEST], e.g. ubuntu:24.04 or 127.0.0.1:5000/kairos/base:v1.',
    });
  }
}

export class RegistryUnreachableError extends KairosError {
  readonly code = 'REGISTRY_UNREACHABLE';
  constructor(readonly registry: string, readonly host: string, detail: string, cause?: unknown) {
    const via = host === registry ? host : `${host} (for ${registry})`;
    super(`cannot reach registry ${via}: ${detail}`, {
      hint: isPublicRegistry(registry)
        ? `Check the network, or pull through a reachable mirror: --registry-mirror ${registry === 'registry-1.docker.io' ? 'docker.io' : registry}=HOST:PORT (e.g. a local registry on 127.0.0.1:5000).`
        : `Check that ${host} is up and the name resolves; for a plain-HTTP registry pass --insecure-registry ${host}.`,
      cause,
    });
  }
}

export class RegistryAuthError extends KairosError {
  readonly code = 'REGISTRY_AUTH';
  constructor(
    readonly registry: string,
    readonly repository: string,
    readonly status: number,
    /** Where the credentials came from (a file, a helper's name, 'none'); never the secret. */
    readonly credentialSource: string,
    action: 'pull' | 'push',
  ) {
    const what = status === 403 ? 'denied access to' : 'rejected the credentials for';
    super(`registry ${registry} ${what} ${action} on repository ${repository} (HTTP ${status}; credentials: ${credentialSource})`, {
      hint:
        credentialSource === 'none'
          ? `Log in with \`docker login ${registry}\` (kairos-pipe reads ~/.docker/config.json and credential helpers), or check the repository name.`
          : `Check the credentials from ${credentialSource}: run \`docker login ${registry}\` again, or check that the account may ${action} ${repository}.`,
    });
  }
}

export class ManifestUnknownError extends KairosError {
  readonly code = 'MANIFEST_UNKNOWN';
  constructor(readonly reference: string, readonly registryCode?: string) {
    const what = registryCode === 'NAME_UNKNOWN' ? 'repository does not exist' : 'tag or digest not found';
    super(`image ${reference} not found in the registry (${what})`, {
      hint: 'Check the name and tag (e.g. `skopeo list-tags docker://REPO`); a private repository also answers "not found" without credentials.',
    });
  }
}

export class BlobUnknownError extends KairosError {
  readonly code = 'BLOB_UNKNOWN';
  constructor(readonly registry: string, readonly repository: string, readonly digest: string) {
    super(`registry ${registry} has no blob ${digest} in repository ${repository}`, {
      hint: 'The image in the registry is incomplete (a blob was deleted or never pushed); push it again.',
    });
  }
}

export class RegistryDigestMismatchError extends KairosError {
  readonly code = 'REGISTRY_DIGEST_MISMATCH';
  constructor(readonly expected: string, readonly actual: string, readonly where: string) {
    super(`${where} has digest ${actual}, expected ${expected}`, {
      hint: 'The registry, a proxy or the network returned wrong bytes; nothing was stored. Retry, and if it persists, check the registry or mirror.',
    });
  }
}

export class UnsupportedMediaTypeError extends KairosError {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
  constructor(readonly mediaType: string, readonly where: string) {
    super(`${where} has media type '${mediaType}', which kairos-pipe cannot handle`, {
      hint: 'Supported: OCI and Docker v2 manifests and indexes, tar layers uncompressed, gzip or zstd. Re-push the image with a current tool (e.g. `skopeo copy --format oci`).',
    });
  }
}

export class NoMatchingPlatformError extends KairosError {
  readonly code = 'NO_MATCHING_PLATFORM';
  constructor(readonly reference: string, readonly wanted: string, readonly available: string[]) {
    super(`image ${reference} has no manifest for platform ${wanted}; available: ${available.length ? available.join(', ') : 'none'}`, {
      hint: 'Pick one of the available platforms (the `platform` option / --platform), or use an image built for yours.',
    });
  }
}

export class RegistryHttpError extends KairosError {
  readonly code = 'REGISTRY_HTTP';
  constructor(readonly registry: string, readonly method: string, readonly path: string, readonly status: number, detail: string) {
    super(`registry ${registry} answered ${method} ${path} with HTTP ${status}${detail ? `: ${detail}` : ''}`, {
      hint: status >= 500 ? 'The registry failed; retry later.' : 'The registry refused the request; check the reference and your access to it.',
    });
  }
}

export class CredentialHelperError extends KairosError {
  readonly code = 'CREDENTIAL_HELPER';
  constructor(readonly helper: string, readonly registry: string, detail: string) {
    super(`credential helper ${helper} failed for registry ${registry}: ${detail}`, {
      hint: `Install ${helper} on PATH, or remove it from credHelpers/credsStore in your Docker config (DOCKER_CONFIG or ~/.docker/config.json).`,
    });
  }
}

export class InvalidImageError extends KairosError {
  readonly code = 'INVALID_IMAGE';
  constructor(readonly reference: string, detail: string) {
    super(`image ${reference} is malformed: ${detail}`, { hint: 'The image in the registry is broken; re-push it or use another tag.' });
  }
}
