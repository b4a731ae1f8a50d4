// Flavors: the matrix, and FLAVOR → base image, release and framework facts.
export * from './matrix.js';
export { resolveFlavor, UnknownFlavorError, UnknownFlavorReleaseError, DockerfileFlavorError, type FlavorArgs, type ResolvedFlavor, type ResolveOptions } from './resolve.js';
export { dockerfileFlavorDefaults } from './from-dockerfile.js';
