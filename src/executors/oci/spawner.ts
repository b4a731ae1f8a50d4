// Starts the oci executor's runc processes from one long-lived `perl` process
// instead of from Node. A spawn from Node forks the whole Node process: on a VM
// where page-table work is trapped, that blocks Node's event loop for 7 ms idle
// and 30+ ms on a busy machine, on every step's critical path. perl (a few MB)
// forks in well under a millisecond. The helper relays each child's stdout and
// stderr (hex, one line a chunk) and reports its pid and exit status; it is
// spawned on first use, reused, and never keeps Node alive when idle.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { NativeFsError } from '../../oci/layer/native-fs.js';

// Requests (one a line): `S <tok> <argv hex>...` starts argv, `K <tok> <signal>`
// signals it while it runs. Answers: `P <tok> <pid>` once it has exec'd (or
// `F <tok> <errno>` if it could not), `O <tok> <1|2> <hex>` for output, and
// `X <tok> <wait status>` after its exit, once both its pipes are drained
// (or 3 s after its exit if something it started still holds them).
// Ctrl-C reaches the whole process group: the helper ignores it (the children
// get default dispositions back) and exits when its stdin closes.
const SCRIPT = String.raw`
$SIG{INT} = $SIG{TERM} = $SIG{HUP} = $SIG{PIPE} = 'IGNORE';
$SIG{CHLD} = sub {};
my (%kid, %tokpid, %pipe);
my $buf = '';
sub out {
  my $s = shift;
  my $o = 0;
  while ($o < length $s) {
    my $n = syswrite(STDOUT, $s, length($s) - $o, $o);
    if (!defined $n) { next if $! == 4; exit 0; }
    $o += $n;
  }
}
sub start {
  my ($tok, @argv) = @_;
  my ($or, $ow, $er, $ew, $xr, $xw);
  unless (pipe($or, $ow) && pipe($er, $ew) && pipe($xr, $xw)) { out("F $tok " . ($! + 0) . "\n"); return; }
  my $pid = fork();
  if (!defined $pid) { out("F $tok " . ($! + 0) . "\n"); return; }
  if (!$pid) {
    $SIG{$_} = 'DEFAULT' for qw(INT TERM HUP PIPE CHLD);
    open(STDIN, '<', '/dev/null');
    open(STDOUT, '>&', $ow);
    open(STDERR, '>&', $ew);
    exec { $argv[0] } @argv;
    syswrite($xw, pack('L', $! + 0));
    CORE::exit(127);
  }
  close $ow; close $ew; close $xw;
  # Like libuv: the close-on-exec pipe says EOF once exec worked, or the errno.
  my ($n, $e);
  do { $n = sysread($xr, $e, 4); } while (!defined $n && $! == 4);
  close $xr;
  if ($n) { close $or; close $er; waitpid($pid, 0); out("F $tok " . unpack('L', $e) . "\n"); return; }
  $kid{$pid} = { tok => $tok, open => 2 };
  $tokpid{$tok} = $pid;
  $pipe{fileno $or} = { fh => $or, stream => 1, pid => $pid };
  $pipe{fileno $er} = { fh => $er, stream => 2, pid => $pid };
  out("P $tok $pid\n");
}
sub request {
  my ($op, $tok, @a) = split / /, shift;
  if ($op eq 'S') { start($tok, map { pack('H*', $_) } @a); }
  elsif ($op eq 'K') { my $pid = $tokpid{$tok}; kill($a[0] + 0, $pid) if $pid && !defined $kid{$pid}{status}; }
}
while (1) {
  my $rin = '';
  vec($rin, 0, 1) = 1;
  vec($rin, $_, 1) = 1 for keys %pipe;
  # SIGCHLD interrupts select (perl's handlers are installed without SA_RESTART);
  # the timeouts are a fallback, and pace the wait for pipes still held open.
  my $waiting = grep { defined $_->{status} } values %kid;
  my $n = select(my $rout = $rin, undef, undef, $waiting ? 0.2 : %kid ? 1 : undef);
  if ($n > 0) {
    for my $fd (keys %pipe) {
      next unless vec($rout, $fd, 1);
      my $p = $pipe{$fd};
      my $r = sysread($p->{fh}, my $data, 65536);
      if ($r) { out("O $kid{$p->{pid}}{tok} $p->{stream} " . unpack('H*', $data) . "\n"); }
      elsif (defined $r || $! != 4) { close $p->{fh}; delete $pipe{$fd}; $kid{$p->{pid}}{open}--; }
    }
    if (vec($rout, 0, 1)) {
      my $r = sysread(STDIN, my $data, 65536);
      if ($r) { $buf .= $data; request($1) while $buf =~ s/^([^\n]*)\n//; }
      elsif (defined $r || $! != 4) { exit 0; }
    }
  }
  while ((my $pid = waitpid(-1, 1)) > 0) { next unless $kid{$pid}; $kid{$pid}{status} = $?; $kid{$pid}{at} = time; }
  for my $pid (keys %kid) {
    my $k = $kid{$pid};
    next unless defined $k->{status};
    next if $k->{open} > 0 && time - $k->{at} < 3;
    for my $fd (keys %pipe) { if ($pipe{$fd}{pid} == $pid) { close $pipe{$fd}{fh}; delete $pipe{$fd}; } }
    out("X $k->{tok} $k->{status}\n");
    delete $tokpid{$k->{tok}};
    delete $kid{$pid};
  }
}
`;

export interface HelperExit {
  /** Exit code, or 128 + signal number when killed, or -1 when it never ran (see `error`). */
  code: number;
  signal?: number;
  error?: Error;
}

export interface HelperChild {
  /** Its pid once it has exec'd; -1 if it never ran. */
  pid: Promise<number>;
  exited: Promise<HelperExit>;
  /** Sends `signal` (a number) to the child if it is still running. */
  kill(signal: number): void;
  /** True once the exit has been reported. */
  readonly gone: boolean;
  /** Lets this child keep Node alive from now on (see spawnViaHelper's `keepAlive`). */
  ref(): void;
}

const hex = (s: string): string => Buffer.from(s, 'utf8').toString('hex');

interface Pending {
  onOutput: (data: Buffer, stream: 'stdout' | 'stderr') => void;
  resolve: (e: HelperExit) => void;
  child: { gone: boolean; ref: boolean };
  argv0: string;
  onPid: (pid: number) => void;
}

class Spawner {
  private readonly pending = new Map<number, Pending>();
  private partial = '';
  private stderr = '';
  private next = 1;
  dead = false;

  constructor(private readonly proc: ChildProcessWithoutNullStreams) {
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d: string) => this.onData(d));
    proc.stderr.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2000)));
    proc.stdin.on('error', () => undefined);
    proc.on('error', (e) => this.fail(e.message));
    proc.on('close', (code, sig) => this.fail(`exit ${code ?? sig}`));
    this.refresh();
  }

  start(argv: string[], onOutput: Pending['onOutput'], keepAlive: boolean): HelperChild {
    const tok = this.next++;
    const state = { gone: false, ref: keepAlive };
    let onPid: (pid: number) => void = () => undefined;
    const pid = new Promise<number>((res) => (onPid = res));
    const exited = new Promise<HelperExit>((resolve) => this.pending.set(tok, { onOutput, resolve, child: state, argv0: argv[0], onPid }));
    this.refresh();
    this.proc.stdin.write(`S ${tok} ${argv.map(hex).join(' ')}\n`);
    return {
      pid,
      exited,
      kill: (signal) => {
        if (!state.gone && !this.dead) this.proc.stdin.write(`K ${tok} ${signal}\n`);
      },
      get gone() {
        return state.gone;
      },
      ref: () => {
        state.ref = true;
        this.refresh();
      },
    };
  }

  private onData(d: string): void {
    const lines = (this.partial + d).split('\n');
    this.partial = lines.pop() ?? '';
    for (const l of lines) {
      const [op, tokStr, a, b] = l.split(' ');
      const tok = Number(tokStr);
      const p = this.pending.get(tok);
      if (!p) continue;
      if (op === 'O') p.onOutput(Buffer.from(b ?? '', 'hex'), a === '2' ? 'stderr' : 'stdout');
      else if (op === 'P') p.onPid(Number(a));
      else if (op === 'F') this.finish(tok, { code: -1, error: Object.assign(new Error(`spawn ${p.argv0} failed: errno ${a}`), { errno: -Number(a), code: Number(a) === 2 ? 'ENOENT' : 'ESPAWN' }) });
      else if (op === 'X') {
        const status = Number(a);
        const signal = status & 0x7f;
        this.finish(tok, signal ? { code: 128 + signal, signal } : { code: (status >> 8) & 0xff });
      }
    }
  }

  private finish(tok: number, e: HelperExit): void {
    const p = this.pending.get(tok);
    if (!p) return;
    this.pending.delete(tok);
    p.child.gone = true;
    p.onPid(-1);
    p.resolve(e);
    this.refresh();
  }

  private fail(why: string): void {
    this.dead = true;
    for (const tok of [...this.pending.keys()]) this.finish(tok, { code: -1, error: new NativeFsError('spawn helper', this.pending.get(tok)!.argv0, `${why}: ${this.stderr.trim()}`) });
  }

  // Running children keep Node alive (all but a spare runc waiting for a step);
  // an idle helper must not.
  private refresh(): void {
    const busy = [...this.pending.values()].some((p) => p.child.ref);
    if (busy) this.proc.ref();
    else this.proc.unref();
    for (const s of [this.proc.stdin, this.proc.stdout, this.proc.stderr]) (s as unknown as Record<'ref' | 'unref', (() => void) | undefined>)[busy ? 'ref' : 'unref']?.();
  }
}

let spawner: Spawner | undefined;

function getSpawner(): Spawner {
  if (!spawner || spawner.dead) spawner = new Spawner(spawn('perl', ['-e', SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] }));
  return spawner;
}

/** Starts the helper now, so that perl's start-up overlaps other work; idempotent. */
export function warmSpawner(): void {
  getSpawner();
}

/**
 * Starts `argv` (argv[0] looked up on PATH) through the helper; its stdin is
 * /dev/null. Until it exits it keeps Node alive, unless `keepAlive` is false
 * (then only once ref() is called).
 */
export function spawnViaHelper(argv: string[], onOutput: Pending['onOutput'], keepAlive = true): HelperChild {
  return getSpawner().start(argv, onOutput, keepAlive);
}
