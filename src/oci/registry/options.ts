// Options shared by every registry call and the progress events the client emits.
// The library never prints: a UI subscribes through onProgress.
import type { Digest } from '../../cache/digest.js';
import type { Credentials } from './credentials.js';

export interface RegistryProgress {
  /** Canonical reference of the image being pulled or pushed. */
  ref: string;
  digest: Digest;
  /**
   * download/upload: bytes moving; cached: already in the local store; exists: already in the
   * registry; mounted: cross-repository mount; retry: a transfer is being resumed; done: finished.
   */
  phase: 'download' | 'upload' | 'cached' | 'exists' | 'mounted' | 'retry' | 'done';
  bytesDone: number;
  bytesTotal: number;
  attempt?: number;
}

export interface RegistryOptions {
  /** Registry identity → host[:port] (or URL) that serves it: `{ 'docker.io': '127.0.0.1:5000' }`. Pulls only. */
  mirrors?: Record<string, string>;
  /** Hosts (host[:port]) spoken to over plain HTTP. Loopback hosts always are. */
  insecure?: string[];
  /** Credentials for the reference's registry; wins over the Docker config. */
  credentials?: Credentials;
  /** Folder holding config.json; default $DOCKER_CONFIG or ~/.docker. */
  dockerConfigDir?: string;
  signal?: AbortSignal;
  onProgress?: (event: RegistryProgress) => void;
  /** Parallel blob transfers (default 3). */
  concurrency?: number;
  /** Attempts per request on transient failures (connection cut, 5xx, 429); default 4. */
  retries?: number;
  /** First backoff in ms, doubled each attempt (default 200; tests use less). */
  retryDelayMs?: number;
  /** Environment for DOCKER_CONFIG and credential helpers (default process.env). */
  env?: NodeJS.ProcessEnv;
}
