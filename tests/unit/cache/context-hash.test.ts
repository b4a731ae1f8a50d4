import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contextKeyInput, hashContextSource, resolveContextPath } from '../../../src/cache/context-hash.js';
import { StatIndex } from '../../../src/cache/stat-index.js';
import { ContextPathError } from '../../../src/errors/index.js';

let root: string;
const OLD = new Date('2020-01-01T00:00:00Z'); // older than the index's 2 s "still changing" window

async function makeContext(dir: string): Promise<void> {
  await fs.mkdir(join(dir, 'files', 'sub'), { recursive: true });
  await fs.writeFile(join(dir, 'files', 'a.txt'), 'alpha\n');
  await fs.writeFile(join(dir, 'files', 'sub', 'b.txt'), 'beta\n');
  await fs.symlink('a.txt', join(dir, 'files', 'link'));
  await fs.chmod(join(dir, 'files', 'a.txt'), 0o644);
}

async function index(): Promise<StatIndex> {
  return StatIndex.open(await fs.mkdtemp(join(root, 'cache-')));
}

async function keyOf(dir: string, src = 'files'): Promise<string[]> {
  const abs = await resolveContextPath(dir, src, 'test');
  return contextKeyInput(await hashContextSource(abs, await index()));
}

beforeAll(async () => {
  root = await fs.mkdtemp(join(tmpdir(), 'kp-ctx-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('hashContextSource', () => {
  test('lists files, folders and symlinks by relative path, sorted, with digests', async () => {
    const dir = join(root, 'list');
    await makeContext(dir);
    const files = await hashContextSource(join(dir, 'files'), await index());
    expect(files.map((f) => [f.rel, f.type])).toEqual([
      ['a.txt', 'file'],
      ['link', 'symlink'],
      ['sub', 'directory'],
      ['sub/b.txt', 'file'],
    ]);
    expect(files[0].digest).toBe('sha256:' + (await import('node:crypto')).createHash('sha256').update('alpha\n').digest('hex'));
    expect(files[1].linkname).toBe('a.txt');
  });

  test('a single-file source has rel ""', async () => {
    const dir = join(root, 'single');
    await makeContext(dir);
    const files = await hashContextSource(join(dir, 'files', 'a.txt'), await index());
    expect(files).toHaveLength(1);
    expect(files[0].rel).toBe('');
  });

  test('the same context in two different folders gives the same key input (no absolute paths)', async () => {
    const a = join(root, 'clone-one');
    const b = join(root, 'somewhere', 'else', 'clone-two');
    await makeContext(a);
    await makeContext(b);
    const ka = await keyOf(a);
    expect(ka).toEqual(await keyOf(b));
    expect(ka.join('\n')).not.toContain(root);
  });

  test('a mode change changes the key input; an mtime change does not', async () => {
    const dir = join(root, 'mode');
    await makeContext(dir);
    const before = await keyOf(dir);
    await fs.utimes(join(dir, 'files', 'a.txt'), OLD, OLD);
    expect(await keyOf(dir)).toEqual(before);
    await fs.chmod(join(dir, 'files', 'a.txt'), 0o755);
    const after = await keyOf(dir);
    expect(after).not.toEqual(before);
    expect(after.find((l) => l.endsWith(' a.txt'))).toMatch(/^file 755 /);
  });

  test('a content change changes the key input', async () => {
    const dir = join(root, 'content');
    await makeContext(dir);
    const before = await keyOf(dir);
    await fs.writeFile(join(dir, 'files', 'sub', 'b.txt'), 'BETA\n');
    expect(await keyOf(dir)).not.toEqual(before);
  });

  test('an abort signal stops hashing', async () => {
    const dir = join(root, 'abort');
    await makeContext(dir);
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(hashContextSource(join(dir, 'files'), await index(), ac.signal)).rejects.toThrow('stop');
  });
});

describe('resolveContextPath', () => {
  let ctx: string;
  beforeAll(async () => {
    ctx = join(root, 'guard', 'ctx');
    await makeContext(ctx);
    await fs.writeFile(join(root, 'guard', 'secret.txt'), 'secret');
    await fs.mkdir(join(root, 'guard', 'ctx2'), { recursive: true });
    await fs.writeFile(join(root, 'guard', 'ctx2', 'x'), 'x');
    await fs.symlink('..', join(ctx, 'up'));
    await fs.symlink(join(root, 'guard', 'secret.txt'), join(ctx, 'abs-link'));
    await fs.writeFile(join(ctx, '..dotdot-name'), 'a file whose name starts with two dots');
  });

  test('accepts paths inside the context, returns the absolute path', async () => {
    await expect(resolveContextPath(ctx, 'files/a.txt', 'here')).resolves.toBe(join(ctx, 'files', 'a.txt'));
    await expect(resolveContextPath(ctx, '.', 'here')).resolves.toBe(ctx);
    await expect(resolveContextPath(ctx, './files/../files/sub/', 'here')).resolves.toBe(join(ctx, 'files', 'sub'));
  });

  test.each([['../secret.txt'], ['../ctx2/x'], ['files/../../secret.txt'], ['/etc/passwd']])('refuses %s (outside)', async (p) => {
    const e = await resolveContextPath(ctx, p, 'targets/x.ts:3').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ContextPathError);
    expect((e as ContextPathError).code).toBe('CONTEXT_PATH');
    expect((e as Error).message).toContain('outside the build context');
    expect((e as Error).message).toContain('targets/x.ts:3');
  });

  test('refuses an escape through a symlinked folder or a symlink to an outside file', async () => {
    await expect(resolveContextPath(ctx, 'up/secret.txt', 'w')).rejects.toThrow(/outside the build context/);
    await expect(resolveContextPath(ctx, 'abs-link', 'w')).rejects.toThrow(/outside the build context/);
  });

  test('a missing source is a ContextPathError saying it does not exist', async () => {
    const e = await resolveContextPath(ctx, 'nope.txt', 'targets/x.ts:9').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ContextPathError);
    expect((e as Error).message).toMatch(/'nope.txt' \(targets\/x.ts:9\) does not exist/);
  });

  test('a file whose name starts with ".." is inside the context', async () => {
    await expect(resolveContextPath(ctx, '..dotdot-name', 'w')).resolves.toBe(join(ctx, '..dotdot-name'));
  });
});

describe('contextKeyInput', () => {
  const link = (rel: string, linkname: string) => ({ rel, type: 'symlink' as const, mode: 0o777, size: 0, linkname, abs: '/x' });
  test('link targets and paths with spaces cannot collide', () => {
    expect(contextKeyInput([link('c', 'a b')])).not.toEqual(contextKeyInput([link('b c', 'a')]));
  });
  test('the path is the last field, spaces and all', () => {
    expect(contextKeyInput([{ rel: 'my file.txt', type: 'file', mode: 0o644, size: 1, digest: 'sha256:00', abs: '/x' }])).toEqual(['file 644 sha256:00 my file.txt']);
  });
});
