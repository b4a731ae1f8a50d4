// Runs a DAG of jobs with bounded parallelism (p-queue): a node starts once all
// its dependencies succeeded, each node runs once, the first failure cancels the
// rest unless keepGoing, and an abort signal stops everything still running.
import PQueue from 'p-queue';
import { setMaxListeners } from 'node:events';

export interface DagNode {
  id: string;
  deps: string[];
}

export type NodeOutcome<R> = { status: 'ok'; value: R } | { status: 'failed'; error: unknown } | { status: 'skipped'; reason: string };

export interface DagRunOptions<R> {
  concurrency: number;
  keepGoing?: boolean;
  signal?: AbortSignal;
  run: (id: string, signal: AbortSignal) => Promise<R>;
}

export async function runDag<R>(nodes: DagNode[], opts: DagRunOptions<R>): Promise<Map<string, NodeOutcome<R>>> {
  const queue = new PQueue({ concurrency: Math.max(1, opts.concurrency) });
  const inner = new AbortController();
  // Every queued job (p-queue) and every running step listens on this one signal;
  // Node's default limit of 10 would print a leak warning for any graph wider than that.
  setMaxListeners(0, inner.signal);
  const onAbort = () => inner.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();

  const byId = new Map(nodes.map((n) => [n.id, n]));
  const outcomes = new Map<string, NodeOutcome<R>>();
  const pending = new Map<string, Promise<NodeOutcome<R>>>();

  const settle = (id: string): Promise<NodeOutcome<R>> => {
    let p = pending.get(id);
    if (p) return p;
    p = (async (): Promise<NodeOutcome<R>> => {
      const node = byId.get(id);
      if (!node) return { status: 'skipped', reason: `unknown node ${id}` };
      const depOutcomes = await Promise.all(node.deps.map(settle));
      const bad = depOutcomes.findIndex((o) => o.status !== 'ok');
      if (bad !== -1) return { status: 'skipped', reason: `dependency ${node.deps[bad]} did not succeed` };
      if (inner.signal.aborted) return { status: 'skipped', reason: 'cancelled' };
      try {
        // No `signal` option for p-queue: it would reject add() at once on abort while the
        // job is still running (and still writing). Queued jobs see the abort when they
        // start; running ones get the signal and are awaited until they have stopped.
        const value = await queue.add(() => {
          inner.signal.throwIfAborted();
          return opts.run(id, inner.signal);
        });
        return { status: 'ok', value: value as R };
      } catch (error) {
        // a job that stopped because we cancelled it is reported as skipped, not failed
        if (inner.signal.aborted && ((error as Error)?.name === 'AbortError' || error === inner.signal.reason)) {
          return { status: 'skipped', reason: 'cancelled' };
        }
        if (!opts.keepGoing) inner.abort(error);
        return { status: 'failed', error };
      }
    })();
    p.then((o) => outcomes.set(id, o));
    pending.set(id, p);
    return p;
  };

  try {
    await Promise.all(nodes.map((n) => settle(n.id)));
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  // Ensure insertion order follows the input order for stable reporting.
  return new Map(nodes.map((n) => [n.id, outcomes.get(n.id)!]));
}
