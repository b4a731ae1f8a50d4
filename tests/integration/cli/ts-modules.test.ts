// Target modules as users write them: the CLI loads them through Node's CommonJS
// loader when it can (no loader-hooks thread, src/load/ts-require.ts) and as ESM
// when a module needs it (top-level await, a local ESM .js helper). Either way
// the targets, import.meta.url and the no-op journal's stamps must be right.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { jest } from '@jest/globals';
import { TempProjects, jsonEvents, runCli } from '../../support/cli.js';

jest.setTimeout(120_000);
const projects = new TempProjects();
afterAll(() => projects.cleanup());

const base = (extra: Record<string, string>): Record<string, string> => ({ 'package.json': '{"type":"module"}\n', 'targets/a.txt': 'a\n', ...extra });

async function ls(dir: string): Promise<string> {
  const r = await runCli(['ls'], { cwd: dir });
  if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test('a helper module (./x.js naming x.ts) and import.meta.url point at the real files', async () => {
  const dir = await projects.write(base({
    'targets/names.ts': "export const NAME = 'from-helper';\nexport const HERE = import.meta.url;\n",
    'targets/t.ts': `import { target, from, copy } from 'kairos-pipe';
import { NAME, HERE } from './names.js';
export const t = target({ name: NAME, doc: 'doc ' + HERE + ' ' + import.meta.url, plan: () => [from('scratch'), copy('a.txt', '/a.txt')] });
`,
  }));
  const out = await ls(dir);
  expect(out).toContain('+from-helper');
  expect(out).toContain(pathToFileURL(join(dir, 'targets/names.ts')).href);
  expect(out).toContain(pathToFileURL(join(dir, 'targets/t.ts')).href);
});

test('a project without node_modules may import the engine\'s own dependencies', async () => {
  const dir = await projects.write(base({
    'targets/t.ts': "import { target, from } from 'kairos-pipe';\nimport { distance } from 'fastest-levenshtein';\nexport const t = target({ name: 'd' + distance('ab', 'abc'), plan: () => [from('scratch')] });\n",
  }));
  expect(await ls(dir)).toContain('+d1');
});

test.each([
  ['top-level await', { 'targets/t.ts': "import { target, from } from 'kairos-pipe';\nconst name = await Promise.resolve('awaited');\nexport const t = target({ name, plan: () => [from('scratch')] });\n" }, '+awaited'],
  ['a local ESM .js helper', {
    'targets/helper.js': "export const NAME = 'esm-helper';\n",
    'targets/t.ts': "import { target, from } from 'kairos-pipe';\nimport { NAME } from './helper.js';\nexport const t = target({ name: NAME, plan: () => [from('scratch')] });\n",
    'targets/u.ts': "import { target, from } from 'kairos-pipe';\nexport const u = target({ name: 'other', plan: () => [from('scratch')] });\n",
  }, '+esm-helper'],
])('a module with %s loads as ESM', async (_what, files, name) => {
  const dir = await projects.write(base(files as Record<string, string>));
  expect(await ls(dir)).toContain(name);
});

test('editing a helper module a target imports takes the full path, not the no-op journal', async () => {
  const dir = await projects.write(base({
    'targets/names.ts': "export const FILE = '/a.txt';\n",
    'targets/t.ts': "import { target, from, copy } from 'kairos-pipe';\nimport { FILE } from './names.js';\nexport const t = target({ name: 't', plan: () => [from('scratch'), copy('a.txt', FILE)] });\n",
  }));
  const run = async () => {
    const r = await runCli(['run', '+t', '--json'], { cwd: dir });
    if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    return jsonEvents(r.stdout);
  };
  await new Promise((r) => setTimeout(r, 2100)); // older than the journal's 2 s racy window
  await run();
  const replayed = await run();
  expect(replayed[0].replayed).toBe(true);
  await fs.writeFile(join(dir, 'targets/names.ts'), "export const FILE = '/b.txt';\n");
  const after = await run();
  expect(after[0].replayed).toBeUndefined();
  expect(after.some((e) => e.type === 'step' && e.status === 'done' && e.kind === 'copy')).toBe(true);
});

test('import cycles behave as in ESM: bindings used later work, one read before it is set fails naming it', async () => {
  const ok = await projects.write(base({
    'targets/a.ts': "import { target, from } from 'kairos-pipe';\nimport { suffix } from './b.js';\nexport const prefix = () => 'cyc';\nexport const a = target({ name: 'a-' + suffix(), plan: () => [from('scratch')] });\n",
    'targets/b.ts': "import { prefix } from './a.js';\nexport function suffix() { return 'ok'; }\nexport const late = () => prefix();\n",
  }));
  expect(await ls(ok)).toContain('+a-ok');
  const bad = await projects.write(base({
    'targets/a.ts': "import { target, from } from 'kairos-pipe';\nimport { B } from './b.js';\nexport const A = 'a';\nexport const a = target({ name: 'a' + B, plan: () => [from('scratch')] });\n",
    'targets/b.ts': "import { A } from './a.js';\nexport const B = A.toUpperCase();\n",
  }));
  const r = await runCli(['ls'], { cwd: bad });
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/\bA\b/);
  expect(r.stderr).toMatch(/before initialization|is not defined/);
});
