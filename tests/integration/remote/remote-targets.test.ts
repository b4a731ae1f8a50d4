// Remote targets through the real CLI with real git: a repository made here, served by
// `git daemon` on 127.0.0.1 and through file://; the lock, offline reruns, update, the
// github.com form (mapped with url.insteadOf), shared checkouts and every error.
import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { jsonEvents, runCli, summaryOf, TempProjects, type CliResult } from '../../support/cli.js';
import { freePort } from '../../support/registry-server.js';
import { commitFiles, makeRepo, startGitDaemon, type GitDaemon } from './git-server.js';

jest.setTimeout(120_000);

const temp = new TempProjects();
let daemon: GitDaemon;
let base: string;
let bare: string;
let work: string;
let cache: string;
let v1: string;

const LIB = (greeting: string) => `import { target, from, copy, saveArtifact } from 'kairos-pipe';
export const lib = target({ name: 'lib', plan: () => [from('scratch'), copy('files/r.txt', '/r.txt'), saveArtifact('/r.txt', { as: 'r.txt', local: false })] });
export const other = target({ name: 'other', plan: () => [from('scratch'), copy('files/', '/files/')] });
// ${greeting}
`;

beforeAll(async () => {
  base = await temp.dir('kp-git-');
  ({ bare, work } = makeRepo(base, 'org/up.git', join(base, 'work')));
  v1 = commitFiles(work, { 'pipelines/targets/lib.ts': LIB('one'), 'pipelines/targets/files/r.txt': 'remote v1\n' }, 'v1', 'v1');
  commitFiles(work, { 'pipelines/targets/lib.ts': 'export const broken = ;\n' }, 'broken', 'bad');
  commitFiles(
    work,
    {
      'pipelines/targets/lib.ts': `import { target, from, copy } from 'kairos-pipe';\nexport const sneaky = target({ name: 'sneaky', context: '../../../..', plan: () => [from('scratch'), copy('etc/hostname', '/x')] });\n`,
    },
    'escape',
    'escape',
  );
  commitFiles(work, { 'pipelines/targets/lib.ts': LIB('one') }, 'back to v1 content');
  daemon = await startGitDaemon(base);
  cache = join(await temp.dir('kp-remote-cache-'), 'cache');
});

afterAll(async () => {
  await daemon?.stop();
  await temp.cleanup();
});

const daemonUrl = () => `git+git://127.0.0.1:${daemon.port}/org/up.git/pipelines`;

async function appProject(repoRef: string): Promise<string> {
  return temp.write(
    {
      'package.json': '{"type":"module"}\n',
      'targets/app.ts': `import { target, from, copy, build, remote, rootfs } from 'kairos-pipe';
const up = remote('${repoRef}');
export const app = target({ name: 'app', plan: () => [from(up.target('lib')), copy(\`\${up.target('lib')}/r.txt\`, '/again.txt'), build(up.target('other')), rootfs({ as: 'app.tar' })] });
`,
    },
    'app',
  );
}

function run(project: string, args: string[], env: Record<string, string> = {}, cacheDir = cache): Promise<CliResult> {
  return runCli(['run', ...args, '--json', '--cache-dir', cacheDir, '--output', join(project, 'out')], { cwd: project, env });
}

async function lockOf(project: string): Promise<{ remotes: Record<string, { commit: string; url: string }> }> {
  return JSON.parse(await fs.readFile(join(project, 'kairos-pipe.lock'), 'utf8')) as { remotes: Record<string, { commit: string; url: string }> };
}

function tarFile(tarPath: string, member: string): string {
  return execFileSync('tar', ['-xOf', tarPath, member], { encoding: 'utf8' });
}

describe('over git daemon', () => {
  let project: string;
  beforeAll(async () => {
    project = await appProject(`${daemonUrl()}@v1`);
  });

  test('from(), copy(<ref>/artifact) and build() of a remote target; the commit is locked and labels carry it', async () => {
    const r = await run(project, ['+app']);
    expect(r.stderr).toBe('');
    expect(summaryOf(r.stdout).ok).toBe(true);
    const lock = await lockOf(project);
    expect(lock.remotes).toEqual({ [`git+git://127.0.0.1:${daemon.port}/org/up.git@v1`]: { commit: v1, url: `git://127.0.0.1:${daemon.port}/org/up.git` } });
    const text = await fs.readFile(join(project, 'kairos-pipe.lock'), 'utf8');
    expect(text).toBe(`${JSON.stringify(lock, null, 2)}\n`);
    const targets = new Set(jsonEvents(r.stdout).filter((e) => e.type === 'target-done').map((e) => e.target));
    expect(targets).toContain(`${daemonUrl()}@${v1.slice(0, 12)}+lib`);
    expect(targets).toContain(`${daemonUrl()}@${v1.slice(0, 12)}+other`);
    expect(tarFile(join(project, 'out', 'app.tar'), 'again.txt')).toBe('remote v1\n');
    await expect(fs.readdir(join(cache, 'git', 'worktrees'))).resolves.toEqual([v1]);
  });

  test('a rerun uses the lock and touches no network (the repository is gone)', async () => {
    await fs.rename(join(base, 'org'), join(base, 'org-away'));
    try {
      const r = await run(project, ['+app']);
      expect(summaryOf(r.stdout)).toMatchObject({ ok: true, executed: 0 });
    } finally {
      await fs.rename(join(base, 'org-away'), join(base, 'org'));
    }
  });

  test('a moved tag is ignored until `kairos-pipe update`, which pins the new commit', async () => {
    const v2 = commitFiles(work, { 'pipelines/targets/files/r.txt': 'remote v2\n' }, 'v2', 'v1');
    let r = await run(project, ['+app']);
    expect(summaryOf(r.stdout).executed).toBe(0);
    const u = await runCli(['update', '--cache-dir', cache], { cwd: project });
    expect(u.code).toBe(0);
    expect(u.stdout).toContain(`@v1: ${v1.slice(0, 12)} -> ${v2.slice(0, 12)}`);
    expect(Object.values((await lockOf(project)).remotes)[0].commit).toBe(v2);
    r = await run(project, ['+app']);
    expect(summaryOf(r.stdout).ok).toBe(true);
    expect(tarFile(join(project, 'out', 'app.tar'), 'again.txt')).toBe('remote v2\n');
    // Put the tag back for the other tests.
    execFileSync('git', ['tag', '-f', 'v1', v1], { cwd: work });
    execFileSync('git', ['push', '-q', '-f', 'origin', '+refs/tags/v1:refs/tags/v1'], { cwd: work });
  });

  test('a remote target on the command line; a second project on the same cache shares the checkout and the cache hits', async () => {
    const other = await temp.write({ 'package.json': '{}\n', 'targets/x.ts': `import { target, from } from 'kairos-pipe';\nexport const x = target({ name: 'x', plan: () => [from('scratch')] });\n` }, 'other');
    const r = await run(other, [`${daemonUrl()}@${v1}+lib`]);
    expect(summaryOf(r.stdout)).toMatchObject({ ok: true, executed: 0 });
    expect(Object.keys((await lockOf(other)).remotes)).toEqual([`git+git://127.0.0.1:${daemon.port}/org/up.git@${v1}`]);
  });
});

describe('other forms', () => {
  test('git+file:// with a folder inside the repository', async () => {
    const project = await appProject(`git+file://${bare}/pipelines@v1`);
    const r = await run(project, ['+app'], {}, join(await temp.dir('kp-c-'), 'cache'));
    expect(summaryOf(r.stdout).ok).toBe(true);
    expect(tarFile(join(project, 'out', 'app.tar'), 'again.txt')).toBe('remote v1\n');
  });

  test('github.com/org/repo/sub@ref, mapped to the daemon with git url.insteadOf', async () => {
    const project = await appProject('github.com/org/up/pipelines@v1');
    const env = { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: `url.git://127.0.0.1:${daemon.port}/.insteadOf`, GIT_CONFIG_VALUE_0: 'https://github.com/' };
    const r = await run(project, ['+app'], env);
    expect(summaryOf(r.stdout)).toMatchObject({ ok: true });
    expect((await lockOf(project)).remotes['github.com/org/up@v1']).toEqual({ commit: v1, url: 'https://github.com/org/up.git' });
  });
});

describe('errors name the reference and what to do', () => {
  async function fails(ref: string, code: string, setup?: (p: string) => Promise<void>): Promise<string> {
    const project = await appProject(ref);
    await setup?.(project);
    const r = await run(project, ['+app'], {}, join(await temp.dir('kp-c-'), 'cache'));
    expect(r.code).not.toBe(0);
    const err = jsonEvents(r.stdout).find((e) => e.type === 'error');
    expect(err).toMatchObject({ code });
    expect(String(err?.hint)).not.toBe('');
    return String(err?.message);
  }

  test('unreachable host', async () => {
    const port = await freePort();
    expect(await fails(`git+git://127.0.0.1:${port}/org/up.git@v1`, 'REMOTE_UNREACHABLE')).toContain(`127.0.0.1:${port}`);
  });

  test('unknown ref', async () => {
    expect(await fails(`${daemonUrl()}@v9`, 'REMOTE_REF_UNKNOWN')).toContain("'v9'");
  });

  test('a lock pointing at a commit that no longer exists', async () => {
    const gone = 'deadbeef'.repeat(5);
    const msg = await fails(`${daemonUrl()}@v1`, 'REMOTE_LOCKED_COMMIT_MISSING', async (p) => {
      const key = `git+git://127.0.0.1:${daemon.port}/org/up.git@v1`;
      await fs.writeFile(join(p, 'kairos-pipe.lock'), JSON.stringify({ version: 1, remotes: { [key]: { commit: gone, url: `git://127.0.0.1:${daemon.port}/org/up.git` } } }));
    });
    expect(msg).toContain(gone);
  });

  test('a remote module that fails to load', async () => {
    expect(await fails(`${daemonUrl()}@bad`, 'REMOTE_LOAD_FAILED')).toContain('@bad');
  });

  test('a remote target whose build context leaves its checkout', async () => {
    const project = await temp.write({ 'package.json': '{}\n', 'targets/x.ts': `import { target, from } from 'kairos-pipe';\nexport const x = target({ name: 'x', plan: () => [from('${daemonUrl()}@escape+sneaky')] });\n` }, 'esc');
    const r = await run(project, ['+x'], {}, join(await temp.dir('kp-c-'), 'cache'));
    expect(r.code).not.toBe(0);
    expect(jsonEvents(r.stdout).find((e) => e.type === 'error')).toMatchObject({ code: 'REMOTE_OUTSIDE_CHECKOUT' });
  });
});
