// Step kind → implementation. Kinds whose implementation is not built in yet
// fail with a clear error instead of silently doing nothing.
import type { Step, StepKind } from '../../dsl/steps/index.js';
import type { StepImpl } from './types.js';
import { fromStep } from './from.js';
import { copyStep } from './copy.js';
import { configStep } from './config.js';
import { saveArtifactStep } from './save-artifact.js';
import { saveImageStep } from './save-image.js';
import { rootfsStep } from './rootfs.js';
import { buildStep } from './build.js';
import { runStep } from './run.js';
import { bootstrapStep } from './bootstrap.js';
import { isoStep } from './iso.js';
import { squashfsStep } from './squashfs.js';
import { fatImageStep } from './fat-image.js';

export const STEP_IMPLS: Partial<Record<StepKind, StepImpl>> = {
  from: fromStep as StepImpl,
  copy: copyStep as StepImpl,
  config: configStep as StepImpl,
  saveArtifact: saveArtifactStep as StepImpl,
  saveImage: saveImageStep as StepImpl,
  rootfs: rootfsStep as StepImpl,
  build: buildStep as StepImpl,
  run: runStep as StepImpl,
  bootstrap: bootstrapStep as StepImpl,
  iso: isoStep as StepImpl,
  squashfs: squashfsStep as StepImpl,
  fatImage: fatImageStep as StepImpl,
};

export function implOf(step: Step): StepImpl | undefined {
  return STEP_IMPLS[step.kind];
}
