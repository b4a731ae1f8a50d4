// ISO writer benchmark: our writer vs `xorriso -as mkisofs -R -J` vs `dd` of the same byte
// count with conv=fdatasync (the disk's limit), on two shapes: a ~1 GB tree of many files
// (a copy of /usr capped at BENCH_ISO_MB, or BENCH_ISO_TREE) and one file of the same size;
// then peak memory on a tree of BENCH_ISO_ENTRIES (50,000) small entries.
// Our writer runs in a child process so its peak RSS is its own.
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(import.meta.url);
const REPO = resolve(dirname(HERE), '..');

/** Child mode: `node bin/run-ts.js bench/iso.ts --child <src> <out>` writes one ISO and prints JSON. */
async function child(src: string, out: string): Promise<void> {
  const { writeIso } = await import('../src/writers/iso/index.js');
  const t0 = performance.now();
  const r = await writeIso({ dir: src }, out, { volumeId: 'BENCH', sourceDateEpoch: 0 });
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ ms, size: r.size, maxRssKb: process.resourceUsage().maxRSS }) + '\n');
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

function timed(cmd: string, args: string[]): { ms: number; maxRssKb: number; ok: boolean; out: string } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - t0;
  const lines = (r.stderr ?? '').trim().split('\n');
  return { ms, maxRssKb: Number(lines[lines.length - 1]) || 0, ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

function runOurs(src: string, out: string): { ms: number; maxRssKb: number; size: number } {
  const r = spawnSync(process.execPath, [join(REPO, 'bin/run-ts.js'), HERE, '--child', src, out], { encoding: 'utf8', cwd: REPO });
  if (r.status !== 0) throw new Error(`our writer failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number; maxRssKb: number; size: number };
}

async function shape(report: (l: string) => void, label: string, src: string, work: string): Promise<void> {
  const oursIso = join(work, 'ours.iso');
  const xIso = join(work, 'xorriso.iso');
  // sync before each run so no run pays for the previous one's dirty pages
  spawnSync('sync');
  const ours = runOurs(src, oursIso);
  // a fair comparison flushes like dd's fdatasync: our writer already calls datasync()
  rmSync(oursIso, { force: true });
  spawnSync('sync');
  const x = timed('sh', ['-c', `xorriso -as mkisofs -quiet -R -J -o '${xIso}' '${src}' && sync -d '${xIso}'`]);
  rmSync(xIso, { force: true });
  const mb = Math.ceil(ours.size / (1 << 20));
  spawnSync('sync');
  const dd = timed('dd', ['if=/dev/zero', `of=${join(work, 'dd.bin')}`, 'bs=1M', `count=${mb}`, 'conv=fdatasync', 'status=none']);
  rmSync(join(work, 'dd.bin'), { force: true });
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const rate = (ms: number) => `${((ours.size / (1 << 20)) / (ms / 1000)).toFixed(0)} MB/s`;
  report(`iso ${label}: image ${mb} MB`);
  report(`  ours     ${s(ours.ms)}  ${rate(ours.ms)}  peak RSS ${(ours.maxRssKb / 1024).toFixed(0)} MB`);
  report(`  xorriso  ${s(x.ms)}  ${rate(x.ms)}  peak RSS ${(x.maxRssKb / 1024).toFixed(0)} MB${x.ok ? '' : '  (FAILED: ' + x.out.slice(0, 200) + ')'}`);
  report(`  dd       ${s(dd.ms)}  ${rate(dd.ms)}`);
  report(`  ours/xorriso ${(ours.ms / x.ms).toFixed(2)}x (goal <= 1.00)   ours/dd ${(ours.ms / dd.ms).toFixed(2)}x (goal <= 1.30)   RSS goal < 200 MB`);
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
  report(`iso ${count} entries (small files): image ${Math.ceil(ours.size / (1 << 20))} MB`);
  report(`  ours     ${(ours.ms / 1000).toFixed(2)} s  peak RSS ${(ours.maxRssKb / 1024).toFixed(0)} MB (goal < 200 MB)`);
  report(`  xorriso  ${(x.ms / 1000).toFixed(2)} s  peak RSS ${(x.maxRssKb / 1024).toFixed(0)} MB`);
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
