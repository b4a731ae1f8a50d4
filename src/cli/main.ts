// argv → command. The only module (with ui/) that prints; it maps errors to
// messages and exit codes and turns Ctrl-C / SIGTERM into a clean cancel.
import { Command, CommanderError } from 'commander';
import { processIO, formatError, exitCodeOf, type CliIO } from './io.js';
import { collect } from './parse.js';
import { runCommand, type RunOpts } from './commands/run.js';
import { lsCommand } from './commands/ls.js';
import { graphCommand } from './commands/graph.js';
import { cacheDuCommand, cachePruneCommand } from './commands/cache.js';
import { doctorCommand } from './commands/doctor.js';
import { debugCommand } from './commands/debug.js';
import { updateCommand } from './commands/update.js';
import { cacheExportCommand, cacheImportCommand, type TransferOpts } from './commands/cache-transfer.js';

const VERSION = '0.1.0';

export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      io.err(`\nkairos-pipe: ${sig} received, stopping running steps (press Ctrl-C again to force)\n`);
      controller.abort(new Error(`interrupted by ${sig}`));
    } else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let code = 0;
  const program = new Command('kairos-pipe')
    .description('Build OS images from typed TypeScript targets: OCI images, rootfs tarballs, bootable ISOs.')
    .version(VERSION)
    .option('--project <dir>', 'project folder holding targets/ (default: the current folder)')
    .option('--cache-dir <dir>', 'cache folder (default ./cache, or $KAIROS_PIPE_CACHE)')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run kairos-pipe --help for usage)');

  const globals = () => program.opts<{ project?: string; cacheDir?: string }>();

  program
    .command('run')
    .description('build targets and write their outputs: kairos-pipe run +iso FLAVOR=debian')
    .argument('<target-and-args...>', '+target [NAME=value | --NAME=value ...]')
    .option('-j, --jobs <n>', 'targets built in parallel (default: number of cores)')
    .option('--keep-going', 'keep building independent targets after a failure')
    .option('--no-cache', 'execute every step, ignoring cached results')
    .option('-o, --output <dir>', 'where outputs are written (default ./build)')
    .option('--json', 'machine-readable events, one JSON object a line on stdout')
    .option('--plain', 'plain prefixed lines, no live redraw (default when not a terminal or CI is set)')
    .option('--explain', 'say why each executed step missed the cache')
    .option('--executor <kind>', 'auto | oci | docker (default auto)')
    .option('--secret <spec>', 'NAME, NAME=env:VAR or NAME=file:PATH (repeatable)', collect)
    .option('--push', 'push images whose saveImage() has push: true')
    .option('--pull', 'resolve image tags again instead of reusing the recorded digest')
    .option('--registry-mirror <map>', 'REGISTRY=HOST[:PORT], e.g. docker.io=127.0.0.1:5000 (repeatable)', collect)
    .option('--insecure-registry <host>', 'use plain HTTP for HOST[:PORT] (repeatable)', collect)
    .option('--cache-max-size <size>', 'after the build, evict least recently used cache entries above SIZE (e.g. 20G)')
    .option('--shell-on-failure', "open a shell in a failed run() step's filesystem (needs a terminal)")
    .option('--cache-from <location>', 'import step records first: dir:PATH, oci-archive:FILE or registry:HOST/REPO:TAG (repeatable)', collect)
    .option('--cache-to <location>', 'export the build\'s step records after a successful build; add ,mode=min|max (repeatable)', collect)
    .option('--cache-key-file <file>', 'HMAC key: sign exported records, import only records it signed (or $KAIROS_PIPE_CACHE_KEY)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (tokens: string[], opts: RunOpts, cmd: Command) => {
      code = await runCommand([...tokens, ...cmd.args.filter((a) => !tokens.includes(a))], { ...globals(), ...opts }, io, controller.signal, argv);
    });

  program
    .command('ls')
    .description('list targets with their doc and typed arguments')
    .option('--json', 'as JSON')
    .action(async (opts: { json?: boolean }) => {
      code = await lsCommand({ ...globals(), ...opts }, io);
    });

  program
    .command('graph')
    .description('show the DAG of a target: kairos-pipe graph +iso FLAVOR=ubuntu')
    .argument('<target-and-args...>')
    .option('--dot', 'Graphviz dot')
    .option('--json', 'JSON')
    .allowUnknownOption()
    .action(async (tokens: string[], opts: { dot?: boolean; json?: boolean }) => {
      code = await graphCommand(tokens, { ...globals(), ...opts }, io);
    });

  const cache = program.command('cache').description('inspect, trim, export and import the cache');
  cache
    .command('du')
    .description('show what the cache holds')
    .option('--json', 'as JSON')
    .action(async (opts: { json?: boolean }) => {
      code = await cacheDuCommand({ ...globals(), ...opts }, io);
    });
  cache
    .command('prune')
    .description('remove least recently used entries')
    .option('--keep-bytes <size>', 'keep at most SIZE (e.g. 10G)')
    .option('--older-than <duration>', 'remove entries unused for DURATION (e.g. 7d, 12h)')
    .option('--all', 'remove everything')
    .option('--json', 'as JSON')
    .action(async (opts: { keepBytes?: string; olderThan?: string; all?: boolean; json?: boolean }) => {
      code = await cachePruneCommand({ ...globals(), ...opts }, io);
    });

  const transfer = (c: Command) =>
    c
      .option('--cache-key-file <file>', 'HMAC key for record signatures (or $KAIROS_PIPE_CACHE_KEY)')
      .option('--registry-mirror <map>', 'REGISTRY=HOST[:PORT] (repeatable)', collect)
      .option('--insecure-registry <host>', 'use plain HTTP for HOST[:PORT] (repeatable)', collect)
      .option('--json', 'as JSON');
  transfer(cache.command('export').description('send every step record of the cache and its blobs: kairos-pipe cache export registry:HOST/REPO:TAG').argument('<location>', 'dir:PATH, oci-archive:FILE or registry:HOST/REPO:TAG')).action(
    async (dest: string, opts: TransferOpts) => {
      code = await cacheExportCommand(dest, { ...globals(), ...opts }, io, controller.signal);
    },
  );
  transfer(cache.command('import').description('fetch step records and their blobs into the cache: kairos-pipe cache import registry:HOST/REPO:TAG').argument('<location>', 'dir:PATH, oci-archive:FILE or registry:HOST/REPO:TAG')).action(
    async (src: string, opts: TransferOpts) => {
      code = await cacheImportCommand(src, { ...globals(), ...opts }, io, controller.signal);
    },
  );

  program
    .command('debug')
    .description("open a shell in the filesystem of a failed run() step: kairos-pipe debug <id>")
    .argument('<id>', 'the id printed by the failed build')
    .action(async (id: string) => {
      code = await debugCommand(id, globals(), io, controller.signal);
    });

  program
    .command('update')
    .description('resolve remote target refs again and rewrite kairos-pipe.lock: kairos-pipe update [github.com/org/repo@ref ...]')
    .argument('[refs...]', 'remote references to update (default: every locked one)')
    .option('--json', 'as JSON')
    .action(async (refs: string[], opts: { json?: boolean }) => {
      code = await updateCommand(refs, { ...globals(), ...opts }, io);
    });

  program
    .command('doctor')
    .description('check what this machine can build and what to install')
    .option('--json', 'as JSON')
    .action(async (opts: { json?: boolean }) => {
      code = await doctorCommand({ ...globals(), ...opts }, io);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      code = e.exitCode === 0 ? 0 : 2;
    } else {
      io.err(formatError(e));
      code = controller.signal.aborted ? 130 : exitCodeOf(e);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return code;
}
