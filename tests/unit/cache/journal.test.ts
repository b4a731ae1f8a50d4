// The no-op journal without the CLI: what gets filed, and every way a filed
// journal stops holding (stamps, records, blobs, outputs, engine, environment).
import { promises as fs, utimesSync } from 'node:fs';
import { jest } from '@jest/globals';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CacheStore } from '../../../src/cache/store.js';
import { JournalRecorder } from '../../../src/cache/journal/record.js';
import { replayJournal } from '../../../src/cache/journal/replay.js';
import { journalPath, readJournal } from '../../../src/cache/journal/journal.js';
import { noteInput, noteRemote, noteVolatile, resetInputLog } from '../../../src/cache/journal/input-log.js';
import { ABSENT, stampOf } from '../../../src/cache/journal/stamp.js';
import { replayableCommandLine } from '../../../src/cli/fast-run.js';

const ENGINE = Symbol.for('kairos-pipe.engine');
const MODULES = Symbol.for('kairos-pipe.modules');
const g = globalThis as Record<symbol, unknown>;
const env = { PATH: '/usr/bin', HOME: '/root' };
let dir: string;
let store: CacheStore;
let input: string;
let output: string;
let key: string;
let blob: string;

const old = (p: string) => utimesSync(p, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
/** ctime cannot be set back: stamps taken now count as racy, so the test says "as of 10 s from now". */
const later = () => jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 10_000);

async function recorded(): Promise<JournalRecorder> {
  resetInputLog();
  const r = new JournalRecorder();
  r.observe({ type: 'start', targets: 1, jobs: 1, cacheDir: store.root });
  noteInput(input);
  r.observe({ type: 'step', target: '+t', index: 0, kind: 'copy', description: 'copy a', status: 'done', key, ms: 5 });
  r.observe({ type: 'target-done', target: '+t', ok: true, ms: 9, executed: 1, cached: 0 });
  r.observe({ type: 'output', target: '+t', path: output, bytes: 3, written: true });
  r.observe({ type: 'summary', ok: true, targets: 1, executed: 1, cached: 0, wallMs: 12, bytesWritten: 3, outputs: [output], failed: [] });
  return r;
}

beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'kp-journal-'));
  store = await CacheStore.open(join(dir, 'cache'));
  input = join(dir, 'a.txt');
  output = join(dir, 'out.txt');
  await fs.writeFile(input, 'abc');
  await fs.writeFile(output, 'out');
  const put = await store.putBuffer('layer bytes');
  blob = store.blobPath(put.digest);
  key = 'ab'.repeat(32);
  await store.putRecord({ key, kind: 'copy', position: 'p', inputs: {}, state: { layers: [{ mediaType: 'x', digest: put.digest, size: put.size, diffId: put.digest }], config: {} as never }, created: '' });
  g[ENGINE] = 'engine-1';
  g[MODULES] = [];
});
afterEach(async () => {
  jest.restoreAllMocks();
  delete g[ENGINE];
  delete g[MODULES];
  await fs.rm(dir, { recursive: true, force: true });
});

const path = () => journalPath(store.root, dir, ['run', '+t'], env);

test('a filed journal replays the no-op events while nothing changed', async () => {
  later();
  const r = await recorded();
  expect(await r.save(path(), store, env, [])).toBeUndefined();
  const events = (await replayJournal(path(), 'engine-1', env))!;
  expect(events.map((e) => e.type)).toEqual(['start', 'step', 'target-done', 'output', 'summary']);
  expect(events[1]).toMatchObject({ status: 'cached', key });
  expect(events[2]).toMatchObject({ executed: 0, cached: 1 });
  expect(events[3]).toMatchObject({ written: false });
  expect(events.at(-1)).toMatchObject({ executed: 0, cached: 1, bytesWritten: 0 });
});

test.each([
  ['the input changes', async () => fs.writeFile(input, 'abd')],
  ['the input is removed', async () => fs.rm(input)],
  ['the output is replaced', async () => fs.writeFile(output, 'new')],
  ['the record is gone', async () => fs.rm(store.recordPath(key))],
  ['the blob is truncated', async () => fs.truncate(blob, 2)],
])('it stops holding when %s', async (_what, change) => {
  later();
  const r = await recorded();
  expect(await r.save(path(), store, env, [])).toBeUndefined();
  expect((await replayJournal(path(), 'engine-1', env))).toBeDefined();
  await change();
  expect((await replayJournal(path(), 'engine-1', env))).toBeUndefined();
});

test('another engine or environment never replays it', async () => {
  later();
  const r = await recorded();
  await r.save(path(), store, env, []);
  expect((await replayJournal(path(), 'engine-2', env))).toBeUndefined();
  expect((await replayJournal(path(), 'engine-1', { ...env, EXTRA: '1' }))).toBeUndefined();
  // The environment is part of where a journal is filed, too.
  expect(journalPath(store.root, dir, ['run', '+t'], { ...env, EXTRA: '1' })).not.toBe(path());
});

test('a racy input, a volatile step or an unreported target module file nothing, and remove a stale journal', async () => {
  later();
  const r1 = await recorded();
  await r1.save(path(), store, env, []);
  jest.restoreAllMocks();
  expect(readJournal(path())).toBeDefined();

  const r2 = await recorded(); // a.txt was written moments ago: its stamp is racy
  expect(await r2.save(path(), store, env, [])).toMatch(/less than 2 s/);
  expect(readJournal(path())).toBeUndefined();

  later();
  const r3 = await recorded();
  noteVolatile('bootstrap() asks the mirror');
  expect(await r3.save(path(), store, env, [])).toMatch(/mirror/);

  const r4 = await recorded();
  expect(await r4.save(path(), store, env, [join(dir, 'targets', 't.ts')])).toMatch(/did not report/);
  expect(readJournal(path())).toBeUndefined();
});

test('a failed build files nothing', async () => {
  resetInputLog();
  const r = new JournalRecorder();
  r.observe({ type: 'summary', ok: false, targets: 1, executed: 0, cached: 0, wallMs: 1, bytesWritten: 0, outputs: [], failed: ['+t'] });
  expect(await r.save(path(), store, env, [])).toMatch(/did not succeed/);
});

test('stamps see content, mode and existence changes; a fresh change is racy', async () => {
  old(input);
  const a = stampOf(input);
  await fs.chmod(input, 0o600);
  const b = stampOf(input);
  expect(b.stamp).not.toBe(a.stamp);
  expect(b.racy).toBe(true); // ctime just moved
  expect(stampOf(join(dir, 'nope')).stamp).toBe(ABSENT);
});

test('runs with effects beyond a no-op are never replayed', () => {
  expect(replayableCommandLine(['run', '+iso', 'FLAVOR=debian'], {})).toBe(true);
  for (const flag of ['--no-cache', '--push', '--pull', '--cache-to=dir:/x', '--cache-from', '--cache-max-size=1G', '--shell-on-failure', '--help']) {
    expect(replayableCommandLine(['run', '+iso', flag], {})).toBe(false);
  }
  expect(replayableCommandLine(['run', '+iso'], { KAIROS_PIPE_NO_JOURNAL: '1' })).toBe(false);
  expect(replayableCommandLine(['graph', '+iso'], {})).toBe(false);
});

test('what the build asked a mirror is asked again: another answer, or none, is a miss', async () => {
  let body = 'Release v1';
  const server = createServer((req, res) => {
    if (req.url === '/dists/bookworm/InRelease') res.end(body);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dists/bookworm/InRelease`;
  try {
    later();
    const r = await recorded();
    noteRemote(url, `sha256:${createHash('sha256').update(body).digest('hex')}`);
    expect(await r.save(path(), store, env, [])).toBeUndefined();
    expect(await replayJournal(path(), 'engine-1', env)).toBeDefined();
    body = 'Release v2';
    expect(await replayJournal(path(), 'engine-1', env)).toBeUndefined();
    body = 'Release v1';
    expect(await replayJournal(path(), 'engine-1', env)).toBeDefined();
  } finally {
    await new Promise((r) => server.close(r));
  }
  expect(await replayJournal(path(), 'engine-1', env)).toBeUndefined(); // the mirror is gone
});
