// A build SIGKILLed mid-step cannot clean up: its runc container keeps running
// and its overlay stays mounted in the cache, pinning snapshots. The next build
// on that cache (and `cache prune`) must remove both, and leave a live build's alone.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../../src/dsl/steps/run.js';
import { OciExecutor, DEFAULT_RUNC_ROOT } from '../../../src/executors/oci/executor.js';
import { alive } from '../../../src/executors/cache-mounts.js';
import { debianBaseLayer, DEBIAN_BASE_TIMEOUT_MS } from '../../support/debian-base.js';
import { describeIfAvailable, makeCtx, mountsUnder, tempStore } from './harness.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const { d, label } = await describeIfAvailable('oci');

async function until(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

d(`${label}: what a killed build leaves`, () => {
  test('the next run removes the dead build\'s container, overlay mount and run dir', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const base = await debianBaseLayer(store);
      const stateFile = join(store.root, 'state.json');
      writeFileSync(stateFile, JSON.stringify(base));
      const child = spawn(process.execPath, [join(REPO, 'bin', 'run-ts.js'), join(REPO, 'tests/integration/executors/fixtures/run-forever.ts'), store.root, stateFile], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      const pid = child.pid!;
      await until('the step to start', () => out.includes('started'), DEBIAN_BASE_TIMEOUT_MS);
      child.kill('SIGKILL');
      await until('the child to die', () => child.exitCode !== null || child.signalCode !== null);
      await until('the pid to be gone', () => !alive(pid));

      // What it left: a container still running its command, the overlay, the run dir.
      const containers = (): string[] => (existsSync(DEFAULT_RUNC_ROOT) ? readdirSync(DEFAULT_RUNC_ROOT).filter((id) => id.startsWith(`kp-${pid}-`)) : []);
      const runDirs = (): string[] => readdirSync(join(store.root, 'tmp')).filter((n) => n.startsWith(`run-${pid}-`));
      expect(containers()).toHaveLength(1);
      expect((await mountsUnder(store.root)).some((m) => m.includes(`/tmp/run-${pid}-`))).toBe(true);
      expect(runDirs()).toHaveLength(1);

      const layer = await new OciExecutor().run(base, run('true'), makeCtx(store));
      expect(layer.digest).toMatch(/^sha256:/);
      expect(containers()).toEqual([]);
      expect(await mountsUnder(store.root)).toEqual([]);
      expect(runDirs()).toEqual([]);
    } finally {
      await cleanup();
    }
  }, DEBIAN_BASE_TIMEOUT_MS + 120_000);
});
