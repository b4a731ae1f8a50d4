// ls, graph (text, --dot, --json), cache du / prune through the real CLI.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { TempProjects, runCli, summaryOf, type CliResult } from '../../support/cli.js';

jest.setTimeout(120_000);
const projects = new TempProjects();
let dir: string;
const run = (args: string[]) => runCli(args, { cwd: dir });
function ok(r: CliResult): CliResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
}

beforeAll(async () => {
  dir = await projects.copy('hello');
});
afterAll(async () => {
  await projects.cleanup();
});

describe('ls', () => {
  test('lists targets with doc and typed args (type, allowed values, default)', async () => {
    const r = ok(await run(['ls']));
    expect(r.stdout).toBe(
      [
        '+base  A scratch filesystem with a few files',
        '    MODE  (enum; one of: a, b; default: "a")',
        '+hello  A tiny image with a greeting',
        '    NAME  (string; default: "world")',
        '    MODE  (enum; one of: a, b; default: "a")',
        '+other  Produces out.txt as an artifact',
        '',
      ].join('\n'),
    );
  });

  test('--json', async () => {
    const list = JSON.parse(ok(await run(['ls', '--json'])).stdout) as Array<{ name: string; file: string; args: Array<{ name: string; values?: string[] }> }>;
    expect(list.map((t) => t.name)).toEqual(['base', 'hello', 'other']);
    expect(list[1].file).toBe('targets/hello.ts');
    expect(list[1].args.find((a) => a.name === 'MODE')!.values).toEqual(['a', 'b']);
  });
});

describe('graph', () => {
  test('text shows each instance once with its steps and edges', async () => {
    const r = ok(await run(['graph', '+hello', 'NAME=kairos']));
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('+hello(NAME=kairos)');
    expect(r.stdout).toContain('    args: NAME=kairos MODE=a');
    expect(r.stdout).toContain('    - copy files/ -> /srv/');
    expect(r.stdout).toContain('  from: +base');
    expect(r.stdout).toContain('  copy: +other');
  });

  test('--dot is a Graphviz digraph with one node per instance and labelled edges', async () => {
    const r = ok(await run(['graph', '+hello', '--dot']));
    expect(r.stdout.startsWith('digraph kairos_pipe {')).toBe(true);
    expect(r.stdout.trimEnd().endsWith('}')).toBe(true);
    expect(r.stdout.match(/\[label="\+(hello|base|other)"\];/g)).toHaveLength(3);
    expect(r.stdout.match(/ -> .*\[label="(from|copy)"\];/g)).toHaveLength(2);
  });

  test('--json lists nodes, deps and roots', async () => {
    const g = JSON.parse(ok(await run(['graph', '+hello', '--json'])).stdout) as { roots: string[]; nodes: Array<{ id: string; target: string; deps: Array<{ kind: string; instanceId: string }> }> };
    expect(g.nodes.map((n) => n.target).sort()).toEqual(['base', 'hello', 'other']);
    const hello = g.nodes.find((n) => n.id === g.roots[0])!;
    expect(hello.target).toBe('hello');
    expect(hello.deps.map((d) => d.kind)).toEqual(['from', 'copy']);
  });

  test('a bad arg fails fast with exit 2', async () => {
    const r = await run(['graph', '+hello', 'MODE=z']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Allowed values: a, b.');
  });
});

describe('cache du / prune', () => {
  test('du reports what a build stored; prune --keep-bytes 0 empties it; the next run rebuilds', async () => {
    const empty = JSON.parse(ok(await run(['cache', 'du', '--json'])).stdout) as { records: number; blobs: number };
    expect(empty).toMatchObject({ records: 0, blobs: 0, exists: false });
    // looking does not create a cache
    await expect(fs.access(join(dir, 'cache'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(ok(await run(['cache', 'du'])).stdout).toContain('no cache at');
    ok(await run(['run', '+hello', '--json']));
    const du = JSON.parse(ok(await run(['cache', 'du', '--json'])).stdout) as { records: number; blobs: number; blobBytes: number; byKind: Record<string, number>; exists: boolean };
    expect(du.exists).toBe(true);
    // 15 steps, 14 records: from('scratch') of +base and +other is one key
    expect(du.records).toBe(14);
    expect(du.blobs).toBeGreaterThan(3);
    expect(du.blobBytes).toBeGreaterThan(0);
    expect(Object.keys(du.byKind)).toEqual(expect.arrayContaining(['copy', 'rootfs', 'saveImage', 'saveArtifact']));
    const text = ok(await run(['cache', 'du'])).stdout;
    expect(text).toMatch(/14 step records, \d+ blobs/);

    const pr = JSON.parse(ok(await run(['cache', 'prune', '--keep-bytes', '0', '--json'])).stdout) as { recordsRemoved: number; blobsRemoved: number };
    expect(pr.recordsRemoved).toBe(14);
    expect(pr.blobsRemoved).toBe(du.blobs);
    expect(await fs.readdir(join(dir, 'cache', 'blobs', 'sha256'))).toEqual([]);
    const again = ok(await run(['run', '+hello', '--json']));
    expect(summaryOf(again.stdout)).toMatchObject({ ok: true, executed: 15, cached: 0 });
  });

  test('prune --older-than keeps recently used entries', async () => {
    const r = JSON.parse(ok(await run(['cache', 'prune', '--older-than', '1d', '--json'])).stdout) as { recordsRemoved: number };
    expect(r.recordsRemoved).toBe(0);
    expect(summaryOf(ok(await run(['run', '+hello', '--json'])).stdout)).toMatchObject({ executed: 0 });
  });

  test('a bad size is a usage error', async () => {
    const r = await run(['cache', 'prune', '--keep-bytes', 'lots']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("'lots' is not a size");
  });
});

describe('loading', () => {
  // A Kairos checkout has no package.json: target modules must still load as ESM.
  test('a project without package.json loads (target modules are ESM)', async () => {
    const bare = await projects.copy('hello');
    await fs.rm(join(bare, 'package.json'));
    const r = await runCli(['ls'], { cwd: bare });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
