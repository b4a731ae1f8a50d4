// What a running target sees: the store, its instance, its dependencies'
// results, and the build-wide options. Step implementations get only this.
import type { CacheStore } from '../cache/store.js';
import type { StatIndex } from '../cache/stat-index.js';
import type { TargetInstance } from '../graph/instance.js';
import type { Descriptor, FsState, LayerDesc } from '../oci/types.js';
import type { EventSink } from './events.js';
import type { Executor, ExecutorKind } from '../executors/types.js';

export interface ArtifactDesc extends Descriptor {
  /** 'file' blobs hold the file's bytes; 'tree' blobs are a tar of the folder. */
  annotations: { 'kairos-pipe.kind': 'file' | 'tree'; 'kairos-pipe.mode': string };
}

/** A file to place in the output folder when the build succeeds. */
export interface PlannedOutput {
  path: string;
  blob?: Descriptor;
  /** For images: the archive is generated from the stored manifest. */
  image?: { name: string; manifest: Descriptor; config: Descriptor; layers: LayerDesc[]; push: boolean };
  mode?: number;
  target: string;
}

export interface TargetResult {
  /** Key of the last step that changed the filesystem: what from(+this) chains on. */
  fsKey: string | null;
  state: FsState;
  artifacts: Map<string, ArtifactDesc>;
  outputs: PlannedOutput[];
  executed: number;
  cached: number;
}

export interface RegistryOptions {
  mirrors: Record<string, string>;
  insecure: string[];
  pull: boolean;
}

export interface BuildSettings {
  noCache: boolean;
  explain: boolean;
  push: boolean;
  executor: ExecutorKind | 'auto';
  secrets: Record<string, string>;
  registry: RegistryOptions;
}

export interface StepContext {
  store: CacheStore;
  statIndex: StatIndex;
  inst: TargetInstance;
  settings: BuildSettings;
  signal: AbortSignal;
  emit: EventSink;
  dep: (instanceId: string) => TargetResult;
  /** Resolves when that dependency has finished (rejects if it failed or the build was cancelled). */
  waitDep: (instanceId: string) => Promise<TargetResult>;
  /** Runs a step's execution in one of the --jobs slots. */
  slot: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Resolves a target ref of a step to the dependency instance id recorded in the graph. */
  depOfStep: (stepIndex: number, nth?: number) => TargetResult;
  executor: () => Promise<Executor>;
  stepId: string;
  where: string;
}
