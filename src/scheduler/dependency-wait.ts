// Lazy dependency waits: a target starts at once and waits for another target
// only at the step that reads it, so work that does not depend on each other
// overlaps (an ISO's GRUB images are built while the squashfs is still running).
import { KairosError } from '../errors/base.js';
import type { TargetResult } from './context.js';

export class DependencyFailedError extends KairosError {
  readonly code = 'DEPENDENCY_FAILED';
  constructor(readonly dependency: string) {
    super(`skipped: dependency ${dependency} did not succeed`);
  }
}

interface Deferred {
  promise: Promise<TargetResult>;
  resolve: (r: TargetResult) => void;
  reject: (e: unknown) => void;
}

export class DependencyBoard {
  private readonly entries = new Map<string, Deferred>();

  private entry(id: string): Deferred {
    let d = this.entries.get(id);
    if (!d) {
      let resolve!: Deferred['resolve'];
      let reject!: Deferred['reject'];
      const promise = new Promise<TargetResult>((res, rej) => ((resolve = res), (reject = rej)));
      promise.catch(() => undefined); // a failure nobody waits for is reported elsewhere
      d = { promise, resolve, reject };
      this.entries.set(id, d);
    }
    return d;
  }

  done(id: string, r: TargetResult): void {
    this.entry(id).resolve(r);
  }

  failed(id: string, label: string): void {
    this.entry(id).reject(new DependencyFailedError(label));
  }

  /** Waits for `id`, or rejects when the build is cancelled first. */
  wait(id: string, signal: AbortSignal): Promise<TargetResult> {
    const p = this.entry(id).promise;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((res, rej) => {
      const onAbort = () => rej(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      p.then(
        (r) => (signal.removeEventListener('abort', onAbort), res(r)),
        (e) => (signal.removeEventListener('abort', onAbort), rej(e)),
      );
    });
  }
}
