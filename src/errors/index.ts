// Every error class kairos-pipe raises, each with a stable `code`.
export { KairosError } from './base.js';
export { UnknownTargetError } from './unknown-target.js';
export { InvalidArgError } from './invalid-arg.js';
export { CycleError } from './cycle.js';
export { TargetLoadError, DuplicateTargetError, NoTargetsError } from './target-load.js';
export { PlanError } from './plan.js';
export { ContextPathError, ArtifactNotFoundError, PathNotFoundError } from './context.js';
export { OutputNotWritableError, OutputWriteError, BuildCancelledError, StepFailedError } from './output.js';
