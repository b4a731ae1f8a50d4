// Every step kind, and the union the engine switches on.
import type { FromStep } from './from.js';
import type { CopyStep } from './copy.js';
import type { ConfigStep } from './config.js';
import type { SaveArtifactStep } from './save-artifact.js';
import type { SaveImageStep } from './save-image.js';
import type { RootfsStep } from './rootfs.js';
import type { IsoStep } from './iso.js';
import type { BuildStep } from './build.js';
import type { RunStep } from './run.js';
import type { BootstrapStep } from './bootstrap.js';
import type { SquashfsStep } from './squashfs.js';
import type { FatImageStep } from './fat-image.js';
import { fromVersion } from './from.js';
import { copyVersion } from './copy.js';
import { configVersion } from './config.js';
import { saveArtifactVersion } from './save-artifact.js';
import { saveImageVersion } from './save-image.js';
import { rootfsVersion } from './rootfs.js';
import { isoVersion } from './iso.js';
import { buildVersion } from './build.js';
import { runVersion } from './run.js';
import { bootstrapVersion } from './bootstrap.js';
import { squashfsVersion } from './squashfs.js';
import { fatImageVersion } from './fat-image.js';

export type Step = FromStep | CopyStep | ConfigStep | SaveArtifactStep | SaveImageStep | RootfsStep | IsoStep | BuildStep | RunStep | BootstrapStep | SquashfsStep | FatImageStep;
export type StepKind = Step['kind'];

/** Bumped when a step's implementation changes its result, so old records miss. */
export const STEP_VERSIONS: Record<StepKind, number> = {
  from: fromVersion, copy: copyVersion, config: configVersion, saveArtifact: saveArtifactVersion, saveImage: saveImageVersion,
  rootfs: rootfsVersion, iso: isoVersion, build: buildVersion, run: runVersion, bootstrap: bootstrapVersion, squashfs: squashfsVersion, fatImage: fatImageVersion,
};

export type { FromStep, CopyStep, ConfigStep, SaveArtifactStep, SaveImageStep, RootfsStep, IsoStep, BuildStep, RunStep, BootstrapStep, SquashfsStep, FatImageStep };
