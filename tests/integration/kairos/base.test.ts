// +base through its three sources, as issue 4's "done when" asks: the bootstrap
// path is covered by the ISO test; here the registry path (a Debian image pushed
// to a loopback registry, pulled through --registry-mirror docker.io=...), the
// Ubuntu plan, and the clear error when no registry is reachable.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runCli, summaryOf, REPO_ROOT } from '../../support/cli.js';
import { startRegistry, type RegistryServer } from '../../support/registry-server.js';
import { debianBaseLayer, DEBIAN_BASE_TIMEOUT_MS } from '../../support/debian-base.js';
import { CacheStore } from '../../../src/cache/store.js';
import { storeImage } from '../../../src/oci/image/manifest.js';
import { writeImageArchive } from '../../../src/oci/image/archive.js';

const isRoot = process.getuid?.() === 0;
const d = isRoot ? describe : describe.skip;

d('+base sources (needs root for debootstrap of the test image)', () => {
  let registry: RegistryServer;
  let work: string;

  beforeAll(async () => {
    work = await fs.mkdtemp(join(tmpdir(), 'kp-base-'));
    registry = await startRegistry();
    // Publish a Debian image as docker.io/library/debian:bookworm-slim would be, on the loopback registry.
    const store = await CacheStore.open(join(work, 'seed-cache'));
    const state = await debianBaseLayer(store);
    const img = await storeImage(store, state);
    const archive = join(work, 'debian.oci.tar');
    await writeImageArchive(store, 'debian:bookworm-slim', img, archive);
    execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci-archive:${archive}`, `docker://${registry.host}/library/debian:bookworm-slim`]);
  }, DEBIAN_BASE_TIMEOUT_MS);

  afterAll(async () => {
    await registry?.stop();
    await fs.rm(work, { recursive: true, force: true });
  });

  it('run +base FLAVOR=debian BASE_SOURCE=registry pulls through --registry-mirror', async () => {
    const args = ['run', '+base', 'FLAVOR=debian', 'BASE_SOURCE=registry', '--json', '--cache-dir', join(work, 'cache'), '--output', join(work, 'out'), '--registry-mirror', `docker.io=${registry.host}`];
    const r = await runCli(args, { cwd: REPO_ROOT, timeoutMs: 5 * 60_000 });
    const s = summaryOf(r.stdout);
    expect({ ok: s.ok, stderr: r.stderr }).toEqual({ ok: true, stderr: '' });
    expect(s.executed).toBe(1);
    // Again: the tag's digest is remembered and the layers are in the cache, so nothing runs.
    const again = summaryOf((await runCli(args, { cwd: REPO_ROOT, timeoutMs: 60_000 })).stdout);
    expect(again.executed).toBe(0);
  }, 6 * 60_000);

  it('graph +base FLAVOR=ubuntu shows the Ubuntu base image and resolved args', async () => {
    const r = await runCli(['graph', '+base', 'FLAVOR=ubuntu'], { cwd: REPO_ROOT });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/from ubuntu:24\.04/);
    expect(r.stdout).toMatch(/FLAVOR=ubuntu/);
    const json = JSON.parse((await runCli(['graph', '+base', 'FLAVOR=ubuntu', 'FLAVOR_RELEASE=22.04', '--json'], { cwd: REPO_ROOT })).stdout);
    const texts = (json.nodes as Array<{ steps: Array<{ text: string }> }>).flatMap((n) => n.steps.map((s) => s.text));
    expect(texts).toContain('from ubuntu:22.04');
  });

  it('run +base FLAVOR=ubuntu with no reachable registry names the host and suggests --registry-mirror', async () => {
    const r = await runCli(['run', '+base', 'FLAVOR=ubuntu', '--cache-dir', join(work, 'cache-ubuntu'), '--output', join(work, 'out')], { cwd: REPO_ROOT, timeoutMs: 3 * 60_000 });
    expect(r.code).toBe(1);
    const text = r.stdout + r.stderr;
    expect(text).toMatch(/docker\.io|registry-1\.docker\.io/);
    expect(text).toMatch(/--registry-mirror/);
  }, 4 * 60_000);
});
