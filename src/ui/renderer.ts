// Turns build events into text: `+target | message` lines (plain/CI), or the
// same lines under a live block of running targets (terminal), or JSON lines.
import type { BuildEvent } from '../scheduler/events.js';
import { bytes, duration } from './format.js';

export interface Renderer {
  event(e: BuildEvent): void;
  close(): void;
}

export interface Out {
  write(s: string): void;
}

function line(e: BuildEvent, verbose: boolean): string | undefined {
  switch (e.type) {
    case 'start':
      if (e.replayed) return `kairos-pipe: nothing changed since the last identical run (${e.targets} target${e.targets === 1 ? '' : 's'}, cache ${e.cacheDir})`;
      return `kairos-pipe: ${e.targets} target${e.targets === 1 ? '' : 's'}, ${e.jobs} job${e.jobs === 1 ? '' : 's'}, cache ${e.cacheDir}`;
    case 'step': {
      const head = `${e.target} | ${e.status === 'cached' ? '*cached*' : e.status === 'running' ? '--> ' : e.status === 'done' ? 'done' : 'FAILED'} ${e.description}`;
      if (e.status === 'cached' && !verbose) return undefined;
      if (e.status === 'done') return `${e.target} | done ${e.description} (${duration(e.ms ?? 0)})`;
      const why = e.explain?.length ? `\n${e.explain.map((x) => `${e.target} |     why: ${x}`).join('\n')}` : '';
      return head + why;
    }
    case 'log':
      return `${e.target} | ${e.line}`;
    case 'target-done':
      return e.ok ? `${e.target} | finished in ${duration(e.ms)} (${e.executed} executed, ${e.cached} cached)` : undefined;
    case 'output':
      return `${e.target} | output ${e.path}${e.written ? ` (${bytes(e.bytes)})` : ' (unchanged)'}`;
    case 'warning':
      return `${e.target ?? 'kairos-pipe'} | warning: ${e.message}`;
    case 'error':
      return `${e.target ? `${e.target} | ` : ''}error [${e.code}]: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}`;
    case 'summary':
      return `${e.ok ? 'OK' : 'FAILED'}: ${e.targets} targets, ${e.executed} steps executed, ${e.cached} cached, ${bytes(e.bytesWritten)} written, in ${duration(e.wallMs)}${e.failed.length ? `; failed: ${e.failed.join(', ')}` : ''}`;
    default:
      return undefined;
  }
}

export function plainRenderer(out: Out, verbose = false): Renderer {
  return {
    event(e) {
      const l = line(e, verbose);
      if (l !== undefined) out.write(`${l}\n`);
    },
    close() {},
  };
}

export function jsonRenderer(out: Out): Renderer {
  return {
    event(e) {
      out.write(`${JSON.stringify(e)}\n`);
    },
    close() {},
  };
}

/** Plain lines scroll above a redrawn block: one line per running target with its step and time. */
export function ttyRenderer(out: Out, columns: () => number): Renderer {
  const running = new Map<string, { step: string; since: number }>();
  let drawn = 0;
  const clear = () => {
    if (drawn) out.write(`\x1b[${drawn}A\x1b[J`);
    drawn = 0;
  };
  const draw = () => {
    const now = Date.now();
    const width = Math.max(20, columns() - 1);
    const lines = [...running].map(([t, r]) => `\x1b[36m${t}\x1b[0m ${r.step} ${duration(now - r.since)}`.slice(0, width + 9));
    if (lines.length) out.write(`${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  const timer = setInterval(() => {
    clear();
    draw();
  }, 250);
  timer.unref();
  return {
    event(e) {
      if (e.type === 'target-start') running.set(e.target, { step: 'starting', since: Date.now() });
      if (e.type === 'step' && e.status === 'running') running.set(e.target, { step: e.description, since: running.get(e.target)?.since ?? Date.now() });
      if (e.type === 'target-done') running.delete(e.target);
      const l = line(e, false);
      clear();
      if (l !== undefined) out.write(`${l}\n`);
      if (e.type !== 'summary') draw();
    },
    close() {
      clearInterval(timer);
      clear();
    },
  };
}
