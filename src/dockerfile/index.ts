// The Dockerfile front end: a Dockerfile as stages of kairos-pipe steps.
export { parseDockerfile, joinContinuations } from './parse.js';
export { stageKey, stagesNeeded, type DockerfilePlan, type DockerfileStage, type DockerfileNote, type ParseOptions } from './types.js';
export { DockerfileError, DockerfileUnsupportedError } from './errors.js';
export { expandWord, expandWords } from './lex.js';
