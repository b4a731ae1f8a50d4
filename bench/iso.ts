// ISO writer benchmark: our writer vs `xorriso -as mkisofs -R -J` vs `dd` of the same byte
// count with conv=fdatasync (the disk's limit through the page cache), on two shapes: a ~1 GB
// tree of many files (a copy of /usr capped at BENCH_ISO_MB, or BENCH_ISO_TREE) and one file
// of the same size; then peak memory on a tree of BENCH_ISO_ENTRIES (50,000) small entries.
// Our writer runs in a child process so its peak RSS is its own.
// Like with like: all three end with the data on disk (our writer datasyncs before its rename,
// xorriso is followed by `sync -d`, dd has conv=fdatasync), and only ours computes a sha256 of
// the image (the engine's blob digest). Our writer uses O_DIRECT where the file system allows
// it, so `dd oflag=direct` (same byte count, also with conv=fdatasync) is printed beside dd
// as the disk's limit without the page cache: on a VM whose page cache costs swing with the
// host's memory (docs/benchmarks.md), the two dd figures bracket the disk. CPU time (all threads) is printed beside wall time: on
// a shared machine it is the steadier figure.
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(import.meta.url);
const REPO = resolve(dirname(HERE), '..');

/** Child mode: `node bin/run-ts.js bench/iso.ts --child <src> <out>` writes one ISO and prints JSON. */
async function child(src: string, out: string): Promise<void> {
  const { writeIso } = await import('../src/writers/iso/index.js');
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await writeIso({ dir: src }, out, { volumeId: 'BENCH', sourceDateEpoch: 0 });
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  process.stdout.write(JSON.stringify({ ms, cpuMs: (c.user + c.system) / 1000, size: r.size, maxRssKb: process.resourceUsage().maxRSS }) + '\n');
}

/** Copies regular files, folders and symlinks of `from` into `to` until `capBytes` is reached. */
function copyCapped(from: string, to: string, capBytes: number): { bytes: number; entries: number } {
  let bytes = 0;
  let entries = 0;
  const walk = (src: string, dst: string): void => {
    let names: string[];
    try {
      names = readdirSync(src).sort();
    } catch {
      return;
    }
    for (const n of names) {
      if (bytes >= capBytes) return;
      const s = join(src, n);
      const d = join(dst, n);
      let st;
      try {
        st = lstatSync(s);
      } catch {
        continue;
      }
      try {
        if (st.isDirectory()) {
          mkdirSync(d);
          entries++;
          walk(s, d);
        } else if (st.isSymbolicLink()) {
          symlinkSync(readlinkSync(s), d);
          entries++;
        } else if (st.isFile()) {
          copyFileSync(s, d);
          bytes += st.size;
          entries++;
        }
      } catch {
        // unreadable files are skipped: the benchmark needs a tree, not this exact one
      }
    }
  };
  walk(from, to);
  return { bytes, entries };
}

function timed(cmd: string, args: string[]): { ms: number; cpuMs: number; maxRssKb: number; ok: boolean; out: string } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', cmd, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - t0;
  const lines = (r.stderr ?? '').trim().split('\n');
  const [rss, user, sys] = lines[lines.length - 1].split(' ').map(Number);
  return { ms, cpuMs: ((user || 0) + (sys || 0)) * 1000, maxRssKb: rss || 0, ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

interface OursResult {
  ms: number;
  cpuMs: number;
  maxRssKb: number;
  size: number;
}

function runOurs(src: string, out: string): OursResult {
  const r = spawnSync(process.execPath, [join(REPO, 'bin/run-ts.js'), HERE, '--child', src, out], { encoding: 'utf8', cwd: REPO });
  if (r.status !== 0) throw new Error(`our writer failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as OursResult;
}

/** Median of a list of numbers. */
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Runs ours, xorriso and dd BENCH_ISO_RUNS times (default 3), rotating which goes first (the
 * run after a 1 GB delete or write pays for it on a shared disk), and reports medians and ranges.
 */
async function shape(report: (l: string) => void, label: string, src: string, work: string): Promise<void> {
  const runs = Math.max(1, Number(process.env.BENCH_ISO_RUNS ?? 3));
  const oursIso = join(work, 'ours.iso');
  const xIso = join(work, 'xorriso.iso');
  const res = { ours: [] as number[], xorriso: [] as number[], dd: [] as number[], ddDirect: [] as number[] };
  const cpu = { ours: [] as number[], xorriso: [] as number[], dd: [] as number[], ddDirect: [] as number[] };
  let size = 0;
  let rssKb = 0;
  let xRssKb = 0;
  let xFail = '';
  const tools: Record<keyof typeof res, () => number> = {
    ours: () => {
      const r = runOurs(src, oursIso);
      rmSync(oursIso, { force: true });
      size = r.size;
      rssKb = Math.max(rssKb, r.maxRssKb);
      cpu.ours.push(r.cpuMs);
      return r.ms;
    },
    // a fair comparison flushes like dd's fdatasync: our writer calls datasync() before its rename
    xorriso: () => {
      const x = timed('sh', ['-c', `xorriso -as mkisofs -quiet -R -J -o '${xIso}' '${src}' && sync -d '${xIso}'`]);
      rmSync(xIso, { force: true });
      xRssKb = Math.max(xRssKb, x.maxRssKb);
      if (!x.ok) xFail = x.out.slice(0, 200);
      cpu.xorriso.push(x.cpuMs);
      return x.ms;
    },
    dd: () => ddRun(cpu.dd, []),
    ddDirect: () => ddRun(cpu.ddDirect, ['oflag=direct']),
  };
  function ddRun(cpuOut: number[], flags: string[]): number {
    const mb = Math.ceil((size || 1 << 30) / (1 << 20));
    const d = timed('dd', ['if=/dev/zero', `of=${join(work, 'dd.bin')}`, 'bs=1M', `count=${mb}`, 'conv=fdatasync', ...flags, 'status=none']);
    rmSync(join(work, 'dd.bin'), { force: true });
    cpuOut.push(d.cpuMs);
    return d.ms;
  }
  const order: Array<keyof typeof res> = ['ours', 'xorriso', 'dd', 'ddDirect'];
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < order.length; k++) {
      // ours runs first in the first round, so dd knows the image size
      const name = order[(k + i) % order.length];
      // sync before each run so no run pays for the previous one's dirty pages
      spawnSync('sync');
      res[name].push(tools[name]());
    }
  }
  const mb = Math.ceil(size / (1 << 20));
  const s = (xs: number[]) =>
    `${(median(xs) / 1000).toFixed(2)} s` + (xs.length > 1 ? ` (${(Math.min(...xs) / 1000).toFixed(2)}–${(Math.max(...xs) / 1000).toFixed(2)})` : '');
  const rate = (xs: number[]) => `${(size / (1 << 20) / (median(xs) / 1000)).toFixed(0)} MB/s`;
  const c = (xs: number[]) => `CPU ${(median(xs) / 1000).toFixed(2)} s`;
  report(`iso ${label}: image ${mb} MB, median of ${runs} (range); load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  report(`  ours       ${s(res.ours)}  ${rate(res.ours)}  ${c(cpu.ours)}  peak RSS ${(rssKb / 1024).toFixed(0)} MB`);
  report(`  xorriso    ${s(res.xorriso)}  ${rate(res.xorriso)}  ${c(cpu.xorriso)}  peak RSS ${(xRssKb / 1024).toFixed(0)} MB${xFail ? '  (FAILED: ' + xFail + ')' : ''}`);
  report(`  dd         ${s(res.dd)}  ${rate(res.dd)}  ${c(cpu.dd)}`);
  report(`  dd direct  ${s(res.ddDirect)}  ${rate(res.ddDirect)}  ${c(cpu.ddDirect)}  (oflag=direct: no page cache)`);
  const per = res.ours.map((o, i) => `${(o / res.xorriso[i]).toFixed(2)}/${(o / res.dd[i]).toFixed(2)}/${(o / res.ddDirect[i]).toFixed(2)}`).join(' ');
  const ratio = (xs: number[]) => (median(res.ours) / median(xs)).toFixed(2);
  report(`  ours/xorriso ${ratio(res.xorriso)}x (goal <= 1.00)   ours/dd ${ratio(res.dd)}x (goal <= 1.30)   ours/dd direct ${ratio(res.ddDirect)}x`);
  report(`  per round ours/xorriso / ours/dd / ours/dd direct: ${per}`);
}

/** A tree of `count` entries: folders of 100 small files (0-4 KiB), one symlink in ten. */
function makeEntries(root: string, count: number): void {
  let made = 0;
  const data = Buffer.alloc(4096, 0x61);
  for (let d = 0; made < count; d++) {
    const dir = join(root, `pkg-${d}`, 'share', `doc-${d % 13}`);
    mkdirSync(dir, { recursive: true });
    made += d % 13 === 0 ? 3 : 1;
    for (let f = 0; f < 100 && made < count; f++, made++) {
      const p = join(dir, `file-with-a-longer-name-${f}.txt`);
      if (f % 10 === 9) symlinkSync(`../doc-${d % 13}/file-with-a-longer-name-${f - 1}.txt`, p);
      else writeFileSync(p, data.subarray(0, (f * 397 + d * 31) % 4096));
    }
  }
}

/** Peak RSS on a tree of many small entries (the metadata is what grows with the entry count). */
async function entriesShape(report: (l: string) => void, work: string): Promise<void> {
  const count = Number(process.env.BENCH_ISO_ENTRIES ?? 50_000);
  const tree = join(work, 'entries');
  makeEntries(tree, count);
  spawnSync('sync');
  const ours = runOurs(tree, join(work, 'entries.iso'));
  rmSync(join(work, 'entries.iso'), { force: true });
  spawnSync('sync');
  const x = timed('sh', ['-c', `xorriso -as mkisofs -quiet -R -J -o '${join(work, 'x.iso')}' '${tree}' && sync -d '${join(work, 'x.iso')}'`]);
  rmSync(join(work, 'x.iso'), { force: true });
  rmSync(tree, { recursive: true, force: true });
  report(`iso ${count} entries (small files): image ${Math.ceil(ours.size / (1 << 20))} MB; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  report(`  ours     ${(ours.ms / 1000).toFixed(2)} s  CPU ${(ours.cpuMs / 1000).toFixed(2)} s  peak RSS ${(ours.maxRssKb / 1024).toFixed(0)} MB (goal < 200 MB)`);
  report(`  xorriso  ${(x.ms / 1000).toFixed(2)} s  CPU ${(x.cpuMs / 1000).toFixed(2)} s  peak RSS ${(x.maxRssKb / 1024).toFixed(0)} MB`);
}

export default async function bench(report: (line: string) => void): Promise<void> {
  const capMb = Number(process.env.BENCH_ISO_MB ?? 1000);
  const work = mkdtempSync(join(process.env.BENCH_TMP ?? tmpdir(), 'kp-bench-iso-'));
  try {
    let tree = process.env.BENCH_ISO_TREE;
    if (!tree) {
      tree = join(work, 'tree');
      mkdirSync(tree);
      const c = copyCapped('/usr', tree, capMb << 20);
      report(`iso: copied ${c.entries} entries, ${(c.bytes / (1 << 20)).toFixed(0)} MB of /usr to ${tree}`);
    }
    await shape(report, `many files (${tree})`, tree, work);
    const one = join(work, 'one');
    mkdirSync(one);
    const size = capMb << 20;
    const buf = Buffer.alloc(8 << 20);
    for (let i = 0; i < buf.length; i += 4096) buf.writeUInt32LE((i * 2654435761) >>> 0, i);
    const fd = openSync(join(one, 'big.bin'), 'w');
    for (let done = 0; done < size; done += buf.length) writeSync(fd, buf, 0, Math.min(buf.length, size - done));
    closeSync(fd);
    await shape(report, `one ${capMb} MB file`, one, work);
    rmSync(one, { recursive: true, force: true });
    await entriesShape(report, work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv.includes('--child')) {
  const i = process.argv.indexOf('--child');
  await child(process.argv[i + 1], process.argv[i + 2]);
} else if (process.argv[1] && resolve(process.argv[1]) === HERE) {
  await bench((l) => console.log(l));
}
