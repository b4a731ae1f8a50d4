// The real CLI on the hello fixture: outputs read back with GNU tar, skopeo and
// umoci; reproducibility from cold caches; cache hits, --explain and arg scoping.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { jest } from '@jest/globals';
import { TempProjects, jsonEvents, runCli, summaryOf, listTree, type CliResult } from '../../support/cli.js';

jest.setTimeout(120_000); // each test spawns the CLI, and process start dominates
const exec = promisify(execFile);
const projects = new TempProjects();
let dir: string;

const run = (args: string[], cwd = dir) => runCli(args, { cwd });

function ok(r: CliResult): CliResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
}

/** `+target` → executed steps, from the target-done events. */
function executedByTarget(stdout: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of jsonEvents(stdout)) if (e.type === 'target-done') out[e.target as string] = e.executed as number;
  return out;
}

async function tool(name: string): Promise<boolean> {
  return exec('sh', ['-c', `command -v ${name}`]).then(
    () => true,
    () => false,
  );
}

beforeAll(async () => {
  dir = await projects.copy('hello');
}, 30_000);
afterAll(async () => {
  await projects.cleanup();
});

describe('kairos-pipe run +hello', () => {
  let first: CliResult;

  test('a cold build runs every step and writes the outputs to build/', async () => {
    first = ok(await run(['run', '+hello', 'NAME=kairos', '--json']));
    const s = summaryOf(first.stdout);
    expect(s).toMatchObject({ type: 'summary', ok: true, targets: 3, executed: 15, cached: 0, failed: [] });
    expect(s.outputs.map((p) => p.slice(dir.length + 1)).sort()).toEqual(['build/a.txt', 'build/hello-kairos.oci.tar', 'build/hello-rootfs.tar']);
    expect(await fs.readFile(join(dir, 'build', 'a.txt'), 'utf8')).toBe(await fs.readFile(join(dir, 'targets', 'files', 'a.txt'), 'utf8'));
    expect((await listTree(join(dir, 'build'))).filter((p) => p.includes('kairos-pipe-tmp'))).toEqual([]);
    // every event line is JSON with a type; the summary is last
    for (const e of jsonEvents(first.stdout)) expect(typeof e.type).toBe('string');
  });

  test('GNU tar reads the rootfs tarball: paths, modes, owners, fixed mtimes', async () => {
    const { stdout } = await exec('tar', ['--numeric-owner', '--full-time', '-tvf', join(dir, 'build', 'hello-rootfs.tar')]);
    const rows = stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/))
      .map((f) => `${f[0]} ${f[1]} ${f[2]} ${f[3]} ${f[4]} ${f.slice(5).join(' ')}`);
    const mode = async (p: string) => ((await fs.stat(join(dir, 'targets', 'files', p))).mode & 0o111 ? '-rwxr-xr-x' : '-rw-r--r--');
    expect(rows).toEqual([
      'drwxr-xr-x 0/0 0 1970-01-01 00:00:00 srv/',
      `${await mode('a.txt')} 0/0 ${(await fs.stat(join(dir, 'targets/files/a.txt'))).size} 1970-01-01 00:00:00 srv/a.txt`,
      `-rw-r--r-- 0/0 ${(await fs.stat(join(dir, 'targets/other-out.txt'))).size} 1970-01-01 00:00:00 srv/out.txt`,
      'drwxr-xr-x 0/0 0 1970-01-01 00:00:00 srv/sub/',
      `${await mode('sub/b.txt')} 0/0 ${(await fs.stat(join(dir, 'targets/files/sub/b.txt'))).size} 1970-01-01 00:00:00 srv/sub/b.txt`,
    ]);
    const { stdout: content } = await exec('tar', ['-xOf', join(dir, 'build', 'hello-rootfs.tar'), 'srv/out.txt']);
    expect(content).toBe(await fs.readFile(join(dir, 'targets', 'other-out.txt'), 'utf8'));
  });

  test('skopeo inspects the image archive: env, labels, layers', async () => {
    if (!(await tool('skopeo'))) return console.warn('skipped: skopeo is not installed');
    const archive = `oci-archive:${join(dir, 'build', 'hello-kairos.oci.tar')}`;
    const info = JSON.parse((await exec('skopeo', ['inspect', archive])).stdout) as { Env: string[]; Labels: Record<string, string>; Layers: string[]; Digest: string };
    expect(info.Env).toEqual(['MODE=a', 'GREETING=hello kairos']);
    expect(info.Labels).toEqual({ 'org.example.mode': 'a' });
    expect(info.Layers).toHaveLength(3);
    const config = JSON.parse((await exec('skopeo', ['inspect', '--config', archive])).stdout) as { config: { WorkingDir: string }; created: string };
    expect(config.config.WorkingDir).toBe('/srv');
    expect(config.created).toBe('1970-01-01T00:00:00Z');
  });

  test('umoci unpacks the extracted OCI layout: files and runtime config', async () => {
    if (!(await tool('umoci'))) return console.warn('skipped: umoci is not installed');
    const layout = join(dir, 'umoci', 'layout');
    const bundle = join(dir, 'umoci', 'bundle');
    await fs.mkdir(layout, { recursive: true });
    await exec('tar', ['-xf', join(dir, 'build', 'hello-kairos.oci.tar'), '-C', layout]);
    await exec('umoci', ['unpack', '--rootless', '--image', `${layout}:kairos`, bundle]);
    expect(await fs.readFile(join(bundle, 'rootfs', 'srv', 'a.txt'), 'utf8')).toBe(await fs.readFile(join(dir, 'targets', 'files', 'a.txt'), 'utf8'));
    expect(await fs.readFile(join(bundle, 'rootfs', 'srv', 'out.txt'), 'utf8')).toBe(await fs.readFile(join(dir, 'targets', 'other-out.txt'), 'utf8'));
    const rt = JSON.parse(await fs.readFile(join(bundle, 'config.json'), 'utf8')) as { process: { env: string[]; cwd: string } };
    expect(rt.process.env).toEqual(expect.arrayContaining(['MODE=a', 'GREETING=hello kairos']));
    expect(rt.process.cwd).toBe('/srv');
    await fs.rm(join(dir, 'umoci'), { recursive: true, force: true });
  });

  test('a second run executes 0 steps (--NAME=kairos form) and rewrites no output', async () => {
    const r = ok(await run(['run', '+hello', '--NAME=kairos', '--json']));
    expect(summaryOf(r.stdout)).toMatchObject({ ok: true, targets: 3, executed: 0, cached: 15, bytesWritten: 0 });
    const outputs = jsonEvents(r.stdout).filter((e) => e.type === 'output');
    expect(outputs).toHaveLength(3);
    for (const o of outputs) expect(o.written).toBe(false);
  });

  test('the same build from a cold cache in another folder is byte-identical; a clone elsewhere hits the first cache', async () => {
    const clone = await projects.copy('hello');
    ok(await run(['run', '+hello', 'NAME=kairos', '--json', '--cache-dir', join(clone, 'cache2')], clone));
    for (const f of ['hello-rootfs.tar', 'hello-kairos.oci.tar', 'a.txt']) {
      expect(await fs.readFile(join(clone, 'build', f))).toEqual(await fs.readFile(join(dir, 'build', f)));
    }
    const idx = async (d: string) => (await exec('tar', ['-xOf', join(d, 'build', 'hello-kairos.oci.tar'), 'index.json'])).stdout;
    expect(JSON.parse(await idx(clone)).manifests[0].digest).toBe(JSON.parse(await idx(dir)).manifests[0].digest);
    // no absolute paths in keys: the clone gets full hits from the first folder's cache
    const shared = ok(await run(['run', '+hello', 'NAME=kairos', '--json', '--cache-dir', join(dir, 'cache'), '--output', join(clone, 'out3')], clone));
    expect(summaryOf(shared.stdout)).toMatchObject({ executed: 0, cached: 15 });
  });

  test('changing an arg a target does not use does not rebuild it', async () => {
    const r = ok(await run(['run', '+hello', 'NAME=someone', '--json']));
    const by = executedByTarget(r.stdout);
    expect(by['+base']).toBe(0);
    expect(by['+other']).toBe(0);
    // +hello: from, copy, copy are hits; env(GREETING) and everything after it run
    expect(by['+hello(NAME=someone)']).toBe(5);
    expect(await fs.readFile(join(dir, 'build', 'hello-someone.oci.tar')).then((b) => b.length > 0)).toBe(true);
  });

  test('changing one context file re-executes only the steps after it, and --explain names the file', async () => {
    await fs.writeFile(join(dir, 'targets', 'other-out.txt'), 'changed artifact\n');
    const r = ok(await run(['run', '+hello', 'NAME=kairos', '--json', '--explain']));
    const by = executedByTarget(r.stdout);
    expect(by).toEqual({ '+base': 0, '+other': 2, '+hello(NAME=kairos)': 6 });
    const steps = jsonEvents(r.stdout).filter((e) => e.type === 'step' && e.status === 'running');
    const otherCopy = steps.find((e) => e.target === '+other' && e.kind === 'copy')!;
    expect(otherCopy.explain).toEqual(['file other-out.txt changed']);
    const helloCopy = steps.find((e) => e.target === '+hello(NAME=kairos)' && e.kind === 'copy')!;
    expect((helloCopy.explain as string[]).join('\n')).toMatch(/artifact/);
    const later = steps.find((e) => e.target === '+hello(NAME=kairos)' && e.kind === 'config')!;
    // (the last build at this position was NAME=someone, so the GREETING change is reported too)
    expect(later.explain).toContain('the previous step changed (parent key differs)');
    const { stdout } = await exec('tar', ['-xOf', join(dir, 'build', 'hello-rootfs.tar'), 'srv/out.txt']);
    expect(stdout).toBe('changed artifact\n');
  });

  test('--explain in plain mode prints why lines; a file in a copied folder is named by its context path', async () => {
    await fs.writeFile(join(dir, 'targets', 'files', 'sub', 'b.txt'), 'new b\n');
    const r = ok(await run(['run', '+base', '--plain', '--explain']));
    expect(r.stdout).toContain('+base |     why: file files/sub/b.txt changed');
  });

  test('--no-cache executes every step', async () => {
    const r = ok(await run(['run', '+other', '--json', '--no-cache']));
    expect(summaryOf(r.stdout)).toMatchObject({ executed: 3, cached: 0 });
  });
});
