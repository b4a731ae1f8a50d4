// Shared by the writer integration tests: run real tools, snapshot a host tree, compare trees.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20, ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return `${r.stdout ?? ''}${r.stderr ?? ''}`;
}

export function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

export function tempDir(prefix: string): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), `kp-${prefix}-`));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export interface Snap {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size?: number;
  mtime: number;
  target?: string;
  sha?: string;
  rdev?: number;
  /** Paths sharing this inode (hardlink group), sorted; only when nlink > 1. */
  links?: string;
}

export function snapshot(root: string): Map<string, Snap> {
  const out = new Map<string, Snap>();
  const byIno = new Map<string, string[]>();
  const walk = (rel: string) => {
    const p = join(root, rel);
    const st = lstatSync(p);
    const type = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : st.isFIFO() ? 'fifo' : 'other';
    const s: Snap = { type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000) };
    if (type === 'file') {
      s.size = st.size;
      s.sha = createHash('sha256').update(readFileSync(p)).digest('hex');
      if (st.nlink > 1) {
        const k = `${st.dev}:${st.ino}`;
        byIno.set(k, [...(byIno.get(k) ?? []), rel]);
        s.links = k;
      }
    }
    if (type === 'symlink') s.target = readlinkSync(p);
    if (type === 'char' || type === 'block') s.rdev = st.rdev;
    if (rel !== '') out.set(rel, s);
    if (type === 'dir') for (const n of readdirSync(p).sort()) walk(rel === '' ? n : `${rel}/${n}`);
  };
  walk('');
  for (const s of out.values()) if (s.links) s.links = byIno.get(s.links)!.join('|');
  return out;
}

/** Differences between two snapshots, as readable lines (empty when equal). */
export function diffSnapshots(a: Map<string, Snap>, b: Map<string, Snap>, opts: { symlinkMtime?: boolean } = {}): string[] {
  const out: string[] = [];
  for (const [p, sa] of a) {
    const sb = b.get(p);
    if (!sb) {
      out.push(`missing: ${p}`);
      continue;
    }
    for (const k of Object.keys(sa) as Array<keyof Snap>) {
      // osirrox restores neither the mtime nor the owner of a symlink (it uses no lutimes/lchown)
      if ((k === 'mtime' || k === 'uid' || k === 'gid') && sa.type === 'symlink' && !opts.symlinkMtime) continue;
      if (sa[k] !== sb[k]) out.push(`${p}: ${k} ${String(sa[k])} != ${String(sb[k])}`);
    }
  }
  for (const p of b.keys()) if (!a.has(p)) out.push(`extra: ${p}`);
  return out;
}

/** Extracts an ISO with osirrox (hardlinks and device files restored). */
export function extractIso(iso: string, dest: string): void {
  run('osirrox', ['-hardlinks', 'on', '-indev', iso, '-osirrox', 'on:device_files', '-extract', '/', dest]);
}

/** A small seeded PRNG (mulberry32): the same seed gives the same tree on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
