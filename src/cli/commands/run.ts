// `kairos-pipe run +target [ARG=value ...]`: build targets and write outputs.
import { resolve } from 'node:path';
import { loadProject } from '../../load/project.js';
import { buildGraph } from '../../graph/build-graph.js';
import { splitCliArgs } from '../../graph/args.js';
import { runBuild } from '../../scheduler/build.js';
import type { CliIO } from '../io.js';
import { UsageError } from '../io.js';
import { cacheDir, defaultJobs, projectDir, rendererFor, type GlobalOpts } from './common.js';
import { parseSecrets, parseBytes } from '../parse.js';
import { parseMirrorFlags } from '../../oci/registry/index.js';
import { selectExecutorFor } from './executor.js';
import { CacheStore } from '../../cache/store.js';
import { pruneCache } from '../../cache/gc.js';
import { openDebugShell } from './debug.js';
import { importForRun, exportForRun } from './cache-transfer.js';
import { JournalRecorder } from '../../cache/journal/record.js';
import { journalPath } from '../../cache/journal/journal.js';
import { resetInputLog } from '../../cache/journal/input-log.js';
import { replayableCommandLine } from '../fast-run.js';
import { BuildSteps, parseCacheLocation, loadCacheKey } from '../../cache/transfer/index.js';

export interface RunOpts extends GlobalOpts {
  jobs?: string;
  keepGoing?: boolean;
  cache?: boolean; // commander's --no-cache
  output?: string;
  json?: boolean;
  plain?: boolean;
  explain?: boolean;
  executor?: string;
  secret?: string[];
  push?: boolean;
  pull?: boolean;
  registryMirror?: string[];
  insecureRegistry?: string[];
  cacheMaxSize?: string;
  shellOnFailure?: boolean;
  cacheFrom?: string[];
  cacheTo?: string[];
  cacheKeyFile?: string;
}

/** `argv`: the whole command line as given (`run +x ...`), which files the no-op journal. */
export async function runCommand(tokens: string[], o: RunOpts, io: CliIO, signal: AbortSignal, argv?: string[]): Promise<number> {
  const { refs, args } = splitCliArgs(tokens);
  if (refs.length === 0) throw new UsageError('no target given', 'Example: kairos-pipe run +iso FLAVOR=debian. List targets with `kairos-pipe ls`.');
  const jobs = o.jobs ? Number(o.jobs) : defaultJobs();
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs ${o.jobs}: expected a positive integer`);
  const executor = (o.executor ?? 'auto') as 'auto' | 'oci' | 'docker';
  if (!['auto', 'oci', 'docker'].includes(executor)) throw new UsageError(`--executor ${o.executor}: expected auto, oci or docker`);
  const secrets = parseSecrets(o.secret ?? [], process.env);
  const renderer = rendererFor(o, io);

  const started = Date.now();
  resetInputLog();
  const journal = new JournalRecorder();
  try {
    const project = await loadProject(projectDir(o));
    // CLI args apply to every target named on the command line.
    const cache = cacheDir(o, process.env);
    const graph = await buildGraph(project, refs.map((ref) => ({ ref, args })), { remote: { cacheDir: cache, lockRoot: project.root } });
    // Cache locations and the signing key are checked before anything runs; then warm the cache.
    for (const l of [...(o.cacheFrom ?? []), ...(o.cacheTo ?? [])]) parseCacheLocation(l);
    loadCacheKey(o.cacheKeyFile, process.env);
    await importForRun(o.cacheFrom ?? [], o, io, signal);
    const built = new BuildSteps();
    const summary = await runBuild(graph, {
      cacheDir: cache,
      outputDir: resolve(o.output ?? resolve(projectDir(o), 'build')),
      jobs,
      keepGoing: Boolean(o.keepGoing),
      noCache: o.cache === false,
      explain: Boolean(o.explain),
      push: Boolean(o.push),
      executor,
      secrets,
      registry: { mirrors: parseMirrorFlags(o.registryMirror ?? []), insecure: o.insecureRegistry ?? [], pull: Boolean(o.pull) },
      signal,
      onEvent: (e) => {
        built.observe(e);
        journal.observe(e);
        renderer.event(e);
      },
      selectExecutor: () => selectExecutorFor(executor),
    });
    const exported = summary.ok ? await exportForRun(o.cacheTo ?? [], built.steps, o, io, signal) : true;
    if (summary.ok && exported && argv && replayableCommandLine(argv, process.env)) {
      const files = [...project.targets.values()].map((t) => t.file);
      const why = await journal.save(journalPath(cache, process.cwd(), argv, process.env), await CacheStore.open(cache), process.env, files);
      // After the summary, which must stay the last event: a note on stderr.
      if (why && o.explain) io.err(`kairos-pipe: a rerun of this command will load and check everything again: ${why}\n`);
    }
    if (o.cacheMaxSize) await pruneCache(await CacheStore.open(cache), { keepBytes: parseBytes(o.cacheMaxSize) });
    if (!summary.ok && o.shellOnFailure && summary.debug.length && !signal.aborted) {
      renderer.close();
      await openDebugShell(await CacheStore.open(cache), summary.debug[0], io, signal);
    }
    return summary.ok ? (exported ? 0 : 1) : signal.aborted ? 130 : 1;
  } catch (e) {
    // Bad input fails before the build starts; --json readers still get an error and a closing summary.
    if (o.json) {
      const k = e as { code?: string; message?: string; hint?: string };
      renderer.event({ type: 'error', code: k.code ?? 'INTERNAL', message: k.message ?? String(e), hint: k.hint });
      renderer.event({ type: 'summary', ok: false, targets: 0, executed: 0, cached: 0, wallMs: Date.now() - started, bytesWritten: 0, outputs: [], failed: [] });
    }
    throw e;
  } finally {
    renderer.close();
  }
}
