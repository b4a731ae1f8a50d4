// The few file system calls Node lacks — mknod (devices, fifos, overlay
// whiteouts) and extended attributes — done by one batched `perl` process
// through syscall(2). perl-base is essential on Debian/Ubuntu, so no native addon
// or extra package is needed. Callers batch requests: one process per batch.
import { spawn } from 'node:child_process';
import { KairosError } from '../../errors/base.js';

export class NativeFsError extends KairosError {
  readonly code = 'NATIVE_FS';
  constructor(readonly op: string, readonly path: string, detail: string) {
    super(`${op} failed on ${path}: ${detail}`, {
      hint: 'kairos-pipe uses perl (perl-base) for mknod and xattr calls; check that it is installed and that you run as root on a file system with xattr support.',
    });
  }
}

/** x86_64 and aarch64 syscall numbers: llistxattr, lgetxattr, lsetxattr, mknodat. */
const SYSCALLS: Record<string, [number, number, number, number]> = {
  x64: [195, 192, 189, 259],
  arm64: [12, 9, 6, 33],
};

// Every argument is hex so paths with spaces or newlines survive the line protocol.
const SCRIPT = String.raw`
my ($LLIST, $LGET, $LSET, $MKNODAT) = map { $_ + 0 } @ARGV;
$| = 0;
while (my $line = <STDIN>) {
  chomp $line;
  my ($op, @a) = split / /, $line, -1;
  if ($op eq 'L') {
    my $p = pack('H*', $a[0]);
    my $buf = "\0" x 65536;
    my $n = syscall($LLIST, $p, $buf, 65536);
    if ($n < 0) { print 'E ', $! + 0, "\n"; next; }
    my @out = ('OK');
    for my $name (grep { length } split /\0/, substr($buf, 0, $n)) {
      my $v = "\0" x 65536;
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
  } else {
    print "E 22\n";
  }
}
`;

const hex = (s: string | Buffer): string => Buffer.from(typeof s === 'string' ? Buffer.from(s, 'utf8') : s).toString('hex');

export type NativeOp =
  | { op: 'list'; path: string }
  | { op: 'setxattr'; path: string; name: string; value: Buffer }
  | { op: 'mknod'; path: string; mode: number; major: number; minor: number };

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

/** Runs `ops` in one perl process; results are in the same order. */
export async function runNative(ops: NativeOp[]): Promise<NativeResult[]> {
  if (!ops.length) return [];
  const nums = SYSCALLS[process.arch];
  if (!nums) throw new NativeFsError('syscall table', process.arch, `architecture ${process.arch} is not supported`);
  const child = spawn('perl', ['-e', SCRIPT, ...nums.map(String)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  const exited = new Promise<number>((res, rej) => {
    child.on('error', rej);
    child.on('close', (code) => res(code ?? 1));
  });
  child.stdin.on('error', () => undefined);
  child.stdin.end(ops.map(encode).join('\n') + '\n');
  let code: number;
  try {
    code = await exited;
  } catch (e) {
    throw new NativeFsError('spawn perl', ops[0].path, (e as Error).message);
  }
  const lines = Buffer.concat(out).toString('utf8').split('\n').filter((l) => l !== '');
  if (code !== 0 || lines.length !== ops.length) {
    throw new NativeFsError('perl helper', ops[0].path, `exit ${code}, ${lines.length}/${ops.length} answers: ${Buffer.concat(err).toString().trim()}`);
  }
  return lines.map(decode);
}

/** Like runNative, but throws on the first failed op. */
export async function runNativeOrThrow(ops: NativeOp[]): Promise<NativeResult[]> {
  const res = await runNative(ops);
  res.forEach((r, i) => {
    if (!r.ok) throw new NativeFsError(ops[i].op, ops[i].path, `errno ${r.errno}`);
  });
  return res;
}
