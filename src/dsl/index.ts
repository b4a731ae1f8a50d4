// The public API for target authors. Imports nothing of the engine.
export { z } from 'zod';
export { target, isTargetDef, type TargetDef, type TargetSpec } from './target.js';
export { from, dockerfile, type DockerfileRef } from './steps/from.js';
export { copy, artifact, type ArtifactRef } from './steps/copy.js';
export { env, workdir, user, label, entrypoint, cmd, shell } from './steps/config.js';
export { saveArtifact } from './steps/save-artifact.js';
export { saveImage } from './steps/save-image.js';
export { rootfs } from './steps/rootfs.js';
export { iso } from './steps/iso.js';
export { build } from './steps/build.js';
export { run, cacheMount, secret, type RunOptions } from './steps/run.js';
export { bootstrap } from './steps/bootstrap.js';
export { squashfs } from './steps/squashfs.js';
export { fatImage } from './steps/fat-image.js';
export { remote, type RemoteRepo } from './remote.js';
export type { Step, StepKind } from './steps/index.js';
