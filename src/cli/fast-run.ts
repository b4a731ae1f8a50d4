// The no-op fast path of `kairos-pipe run`: bin/kairos-pipe.js calls this before
// loading the engine. When the journal filed for this exact command line still
// holds (src/cache/journal/), it replays the no-op run's events and the process
// ends in a few milliseconds past Node's own start; otherwise the real build runs.
// Set KAIROS_PIPE_NO_JOURNAL=1 to always take the full path.
import { processIO, type CliIO } from './io.js';
import { cacheDir, rendererFor } from './commands/common.js';
import { journalPath } from '../cache/journal/journal.js';
import { replayJournal } from '../cache/journal/replay.js';

/** Flags whose run has effects beyond a no-op (network, pushes, eviction, a shell) or asks for help. */
const NEVER_REPLAYED = ['--no-cache', '--push', '--pull', '--cache-from', '--cache-to', '--cache-max-size', '--shell-on-failure', '--help', '-h'];

/** Whether a run with these arguments may be answered from (and so may file) a journal. */
export function replayableCommandLine(argv: string[], env: NodeJS.ProcessEnv): boolean {
  if (argv[0] !== 'run' || env.KAIROS_PIPE_NO_JOURNAL === '1') return false;
  return !argv.some((a) => NEVER_REPLAYED.some((f) => a === f || a.startsWith(`${f}=`)));
}

function optionValue(argv: string[], name: string): string | undefined {
  let v: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === name) v = argv[++i];
    else if (argv[i].startsWith(`${name}=`)) v = argv[i].slice(name.length + 1);
  }
  return v;
}

/** The exit code of a replayed no-op run, or undefined: run the real build. */
export async function fastRun(argv: string[], engine: string, io: CliIO = processIO): Promise<number | undefined> {
  const env = process.env;
  if (!replayableCommandLine(argv, env)) return undefined;
  const started = Date.now();
  const cache = cacheDir({ project: optionValue(argv, '--project'), cacheDir: optionValue(argv, '--cache-dir') }, env);
  const events = await replayJournal(journalPath(cache, process.cwd(), argv, env), engine, env);
  if (!events) return undefined;
  const json = argv.includes('--json');
  const renderer = rendererFor({ json, plain: argv.includes('--plain') }, io);
  for (const e of events) {
    // A person needs no "finished in 0 ms" line per target; --json readers get the same events as a full no-op run.
    if (!json && (e.type === 'target-start' || e.type === 'target-done')) continue;
    renderer.event(e.type === 'summary' ? { ...e, wallMs: Date.now() - started } : e.type === 'start' ? { ...e, replayed: true } : e);
  }
  renderer.close();
  return 0;
}
