// The bootstrap step's implementation, as the engine calls it.
export { runBootstrap, type BootstrapRunOptions } from './run.js';
export { bootstrapKeyInputs, defaultMirror, mirrorOf, type KeyInputOptions } from './mirror.js';
export * from './errors.js';
