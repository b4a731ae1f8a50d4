// The registry client's public surface: resolve, pull and push images, blob-level helpers
// for the remote cache, reference parsing, options and errors.
export { parseReference, formatReference, manifestReference, withDigest, apiHost, DOCKER_HUB, type ImageRef } from './reference.js';
export { resolveImage, type ResolveOptions, type ResolvedImage } from './resolve.js';
export { pullImage, type PullOptions, type PulledImage } from './pull.js';
export { pushImage, putManifest, type PushImageInput, type PushOptions, type PushedImage } from './push.js';
export { blobExists, pushBlob, mountBlob, uploadBlob, type BlobSource, type PushBlobResult, type PushBlobOptions } from './blob-upload.js';
export { blobChunks, fetchBlob } from './blob-download.js';
export { fetchLayerToStore } from './layer-fetch.js';
export { fetchManifest, MANIFEST_ACCEPT, type ImageIndex, type FetchedManifest } from './manifest.js';
export { RegistryClient } from './client.js';
export { resolveEndpoint, parseMirrorFlags, isLoopback, type Endpoint } from './endpoint.js';
export { findCredentials, type Credentials, type FoundCredentials } from './credentials.js';
export { parsePlatform, formatPlatform, DEFAULT_PLATFORM, type Platform } from './platform.js';
export type { RegistryOptions, RegistryProgress } from './options.js';
export * from './errors.js';
