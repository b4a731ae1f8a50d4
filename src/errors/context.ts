import { KairosError } from './base.js';

export class ContextPathError extends KairosError {
  readonly code = 'CONTEXT_PATH';
  constructor(readonly path: string, problem: 'outside' | 'missing', where: string) {
    super(
      problem === 'outside' ? `copy source '${path}' (${where}) is outside the build context` : `copy source '${path}' (${where}) does not exist in the build context`,
      { hint: problem === 'outside' ? 'A target can copy only files under its own folder; move the file there or copy an artifact of another target.' : 'Check the path; it is relative to the folder of the target file.' },
    );
  }
}

export class ArtifactNotFoundError extends KairosError {
  readonly code = 'ARTIFACT_NOT_FOUND';
  constructor(readonly target: string, readonly path: string, readonly available: string[], where: string) {
    super(`+${target} has no artifact '${path}' (${where})`, {
      hint: available.length ? `Its artifacts: ${available.join(', ')}` : `+${target} saves no artifacts; add saveArtifact(...) to it.`,
    });
  }
}

export class PathNotFoundError extends KairosError {
  readonly code = 'PATH_NOT_FOUND';
  constructor(readonly path: string, readonly target: string, where: string) {
    super(`${path} does not exist in the filesystem of +${target} (${where})`, { hint: 'Check the path, or the step that should have created it.' });
  }
}
