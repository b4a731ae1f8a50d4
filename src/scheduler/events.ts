// Build events: the one channel from the engine to any UI (terminal, plain, --json).
// Documented in docs/events.md; `type` is stable, fields are only added.
export type StepStatus = 'cached' | 'running' | 'done' | 'failed';

export type BuildEvent =
  /** `replayed`: answered from the no-op journal, nothing was loaded or checked beyond its stamps. */
  | { type: 'start'; targets: number; jobs: number; cacheDir: string; replayed?: boolean }
  | { type: 'target-start'; target: string }
  | { type: 'step'; target: string; index: number; kind: string; description: string; status: StepStatus; key?: string; ms?: number; explain?: string[] }
  | { type: 'log'; target: string; stream: 'stdout' | 'stderr'; line: string }
  | { type: 'target-done'; target: string; ok: boolean; ms: number; executed: number; cached: number }
  | { type: 'output'; target: string; path: string; bytes: number; written: boolean }
  | { type: 'warning'; message: string; target?: string }
  | { type: 'error'; target?: string; code: string; message: string; hint?: string }
  | {
      type: 'summary';
      ok: boolean;
      targets: number;
      executed: number;
      cached: number;
      wallMs: number;
      bytesWritten: number;
      outputs: string[];
      failed: string[];
    };

export type EventSink = (e: BuildEvent) => void;
