// The few system calls Node lacks — mknod (devices, fifos, overlay whiteouts),
// extended attributes, mount(2) and umount2(2) — done through syscall(2) by one
// long-lived `perl` process per Node process. perl-base is essential on
// Debian/Ubuntu, so no native addon or extra package is needed. The helper is
// spawned on first use and reused: a spawn costs 30–80 ms on a busy machine,
// a request to the running helper well under 1 ms. It never keeps Node alive.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { KairosError } from '../../errors/base.js';

export class NativeFsError extends KairosError {
  readonly code = 'NATIVE_FS';
  constructor(readonly op: string, readonly path: string, detail: string) {
    super(`${op} failed on ${path}: ${detail}`, {
      hint: 'kairos-pipe uses perl (perl-base) for mknod and xattr calls; check that it is installed and that you run as root on a file system with xattr support.',
    });
  }
}

/** x86_64 and aarch64 syscall numbers: llistxattr, lgetxattr, lsetxattr, mknodat, mount, umount2. */
const SYSCALLS: Record<string, number[]> = {
  x64: [195, 192, 189, 259, 165, 166],
  arm64: [12, 9, 6, 33, 40, 39],
};

// Every argument is hex so paths with spaces or newlines survive the line protocol.
// One answer line per request; 'F' (end of a batch) flushes and answers nothing.
// Ctrl-C reaches the whole process group: the helper ignores it and exits when
// its stdin closes, so the cleanup that follows an abort can still unmount.
const SCRIPT = String.raw`
my ($LLIST, $LGET, $LSET, $MKNODAT, $MOUNT, $UMOUNT2) = map { $_ + 0 } @ARGV;
$SIG{INT} = $SIG{TERM} = $SIG{HUP} = $SIG{PIPE} = 'IGNORE';
$| = 0;
# Reused by every listxattr: a fresh 64 KiB string per request cost more than the call.
my $LBUF = "\0" x 65536;
my $VBUF = "\0" x 65536;
while (my $line = <STDIN>) {
  chomp $line;
  my ($op, @a) = split / /, $line, -1;
  if ($op eq 'F') {
    STDOUT->flush();
  } elsif ($op eq 'L') {
    my $p = pack('H*', $a[0]);
    my $n = syscall($LLIST, $p, $LBUF, 65536);
    if ($n < 0) { print 'E ', $! + 0, "\n"; next; }
    my @out = ('OK');
    for my $name (grep { length } split /\0/, substr($LBUF, 0, $n)) {
      my $v = $VBUF;
      my $m = syscall($LGET, $p, $name, $v, 65536);
      next if $m < 0;
      push @out, unpack('H*', $name) . '=' . unpack('H*', substr($v, 0, $m));
    }
    print join(' ', @out), "\n";
  } elsif ($op eq 'S') {
    my ($p, $name, $val) = map { pack('H*', $_) } @a;
    my $r = syscall($LSET, $p, $name, $val, length($val), 0);
    print $r < 0 ? 'E ' . ($! + 0) . "\n" : "OK\n";
  } elsif ($op eq 'M') {
    my $p = pack('H*', $a[0]);
    my $r = syscall($MKNODAT, -100, $p, $a[1] + 0, $a[2] + 0);
    print $r < 0 ? 'E ' . ($! + 0) . "\n" : "OK\n";
  } elsif ($op eq 'T') {
    my ($cwd, $src, $dst, $type, $data) = map { pack('H*', $_) } @a[0 .. 4];
    my $r = -1;
    if (chdir($cwd)) { $r = syscall($MOUNT, $src, $dst, $type, $a[5] + 0, $data); }
    print $r < 0 ? 'E ' . ($! + 0) . "\n" : "OK\n";
    chdir('/');
  } elsif ($op eq 'U') {
    my $r = syscall($UMOUNT2, pack('H*', $a[0]), $a[1] + 0);
    print $r < 0 ? 'E ' . ($! + 0) . "\n" : "OK\n";
  } else {
    print "E 22\n";
  }
}
`;

const hex = (s: string | Buffer): string => Buffer.from(typeof s === 'string' ? Buffer.from(s, 'utf8') : s).toString('hex');

export type NativeOp =
  | { op: 'list'; path: string }
  | { op: 'setxattr'; path: string; name: string; value: Buffer }
  | { op: 'mknod'; path: string; mode: number; major: number; minor: number }
  /** mount(2) with `cwd` as the working directory (relative overlay lower dirs). */
  | { op: 'mount'; path: string; source: string; fstype: string; flags: number; data: string; cwd?: string }
  | { op: 'umount'; path: string; flags: number };

export type NativeResult = { ok: true; xattrs?: Map<string, Buffer> } | { ok: false; errno: number };

/** Linux makedev(): the dev_t encoding glibc uses. */
export function makedev(major: number, minor: number): number {
  const M = BigInt(major);
  const m = BigInt(minor);
  return Number((m & 0xffn) | ((M & 0xfffn) << 8n) | ((m & ~0xffn) << 12n) | ((M & ~0xfffn) << 32n));
}

export function majorOf(dev: number): number {
  const d = BigInt(dev);
  return Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn));
}

export function minorOf(dev: number): number {
  const d = BigInt(dev);
  return Number((d & 0xffn) | ((d >> 12n) & ~0xffn));
}

function encode(r: NativeOp): string {
  if (r.op === 'list') return `L ${hex(r.path)}`;
  if (r.op === 'setxattr') return `S ${hex(r.path)} ${hex(r.name)} ${r.value.toString('hex')}`;
  if (r.op === 'mount') return `T ${hex(r.cwd ?? '/')} ${hex(r.source)} ${hex(r.path)} ${hex(r.fstype)} ${hex(r.data)} ${r.flags}`;
  if (r.op === 'umount') return `U ${hex(r.path)} ${r.flags}`;
  return `M ${hex(r.path)} ${r.mode} ${makedev(r.major, r.minor)}`;
}

function decode(line: string): NativeResult {
  const [status, ...rest] = line.split(' ');
  if (status !== 'OK') return { ok: false, errno: Number(rest[0] ?? 0) };
  if (!rest.length) return { ok: true };
  const xattrs = new Map<string, Buffer>();
  for (const kv of rest) {
    const eq = kv.indexOf('=');
    xattrs.set(Buffer.from(kv.slice(0, eq), 'hex').toString('utf8'), Buffer.from(kv.slice(eq + 1), 'hex'));
  }
  return { ok: true, xattrs };
}

interface Batch {
  ops: NativeOp[];
  lines: string[];
  resolve: (r: NativeResult[]) => void;
  reject: (e: Error) => void;
}

/** The running helper: batches are answered in the order they were written. */
class Helper {
  private readonly queue: Batch[] = [];
  private partial = '';
  private stderr = '';
  dead = false;

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => this.onData(d));
    child.stderr.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2000)));
    child.stdin.on('error', () => undefined);
    child.on('error', (e) => this.fail(e.message));
    child.on('close', (code, sig) => this.fail(`exit ${code ?? sig}`));
    this.idle();
  }

  send(ops: NativeOp[]): Promise<NativeResult[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, lines: [], resolve, reject });
      this.busy();
      this.child.stdin.write(`${ops.map(encode).join('\n')}\nF\n`);
    });
  }

  private onData(d: string): void {
    const lines = (this.partial + d).split('\n');
    this.partial = lines.pop() ?? '';
    for (const l of lines) {
      const b = this.queue[0];
      if (!b) continue;
      b.lines.push(l);
      if (b.lines.length === b.ops.length) {
        this.queue.shift();
        b.resolve(b.lines.map(decode));
      }
    }
    if (!this.queue.length) this.idle();
  }

  private fail(why: string): void {
    this.dead = true;
    for (const b of this.queue.splice(0)) {
      b.reject(new NativeFsError('perl helper', b.ops[0].path, `${why}, ${b.lines.length}/${b.ops.length} answers: ${this.stderr.trim()}`));
    }
  }

  // Pending requests keep Node alive; an idle helper must not.
  private busy(): void {
    this.child.ref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) (s as unknown as { ref?: () => void }).ref?.();
  }

  private idle(): void {
    this.child.unref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) (s as unknown as { unref?: () => void }).unref?.();
  }
}

let helper: Helper | undefined;

function getHelper(path: string): Helper {
  if (helper && !helper.dead) return helper;
  const nums = SYSCALLS[process.arch];
  if (!nums) throw new NativeFsError('syscall table', path, `architecture ${process.arch} is not supported`);
  helper = new Helper(spawn('perl', ['-e', SCRIPT, ...nums.map(String)], { stdio: ['pipe', 'pipe', 'pipe'] }));
  return helper;
}

/** Runs `ops` in the helper process; results are in the same order. */
export async function runNative(ops: NativeOp[]): Promise<NativeResult[]> {
  if (!ops.length) return [];
  return getHelper(ops[0].path).send(ops);
}

/** Like runNative, but throws on the first failed op. */
export async function runNativeOrThrow(ops: NativeOp[]): Promise<NativeResult[]> {
  const res = await runNative(ops);
  res.forEach((r, i) => {
    if (!r.ok) throw new NativeFsError(ops[i].op, ops[i].path, `errno ${r.errno}`);
  });
  return res;
}
