import { KairosError } from './base.js';

export class TargetLoadError extends KairosError {
  readonly code = 'TARGET_LOAD_FAILED';
  constructor(readonly file: string, detail: string, cause?: unknown) {
    super(`cannot load ${file}: ${detail}`, { hint: 'Fix the error in the target module; run `npx tsc --noEmit` for type errors.', cause });
  }
}

export class DuplicateTargetError extends KairosError {
  readonly code = 'DUPLICATE_TARGET';
  constructor(readonly name: string, readonly files: string[]) {
    super(`two targets are named +${name}: ${files.join(' and ')}`, { hint: 'Target names must be unique in a project; rename one.' });
  }
}

export class NoTargetsError extends KairosError {
  readonly code = 'NO_TARGETS';
  constructor(readonly dir: string) {
    super(`no targets found in ${dir}`, { hint: 'Targets live in targets/*.ts and export target({...}); run from the project root or pass --project DIR.' });
  }
}
