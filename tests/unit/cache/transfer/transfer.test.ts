import { mkdtempSync, rmSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CacheStore } from '../../../../src/cache/store.js';
import type { StepRecord } from '../../../../src/cache/records.js';
import { MEDIA } from '../../../../src/oci/types.js';
import { parseCacheLocation, exportCache, importCache, openSink, openSource, selectRecords, signRecord, verifyRecord, buildCache } from '../../../../src/cache/transfer/index.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'kp-transfer-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function recordWith(store: CacheStore, key: string, content: string, outputs = false): Promise<StepRecord> {
  const { digest, size } = await store.putBuffer(content);
  const layer = { mediaType: MEDIA.layerTar, digest, size, diffId: digest };
  const r: StepRecord = {
    key: key.repeat(64 / key.length),
    kind: outputs ? 'saveArtifact' : 'copy',
    position: 'x',
    inputs: {},
    state: { layers: [layer], config: { architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [digest] } } },
    ...(outputs ? { outputs: { artifact: { mediaType: MEDIA.artifact, digest, size } } } : {}),
    created: '2026-01-01T00:00:00.000Z',
  };
  await store.putRecord(r);
  return r;
}

test('cache locations', () => {
  expect(parseCacheLocation('registry:127.0.0.1:5000/kp/cache:main,mode=min')).toMatchObject({ kind: 'registry', mode: 'min', ref: { registry: '127.0.0.1:5000', repository: 'kp/cache', tag: 'main' } });
  expect(parseCacheLocation('dir:/x')).toMatchObject({ kind: 'dir', path: '/x', mode: 'max' });
  expect(parseCacheLocation('oci-archive:c.tar', '/w')).toMatchObject({ kind: 'oci-archive', file: '/w/c.tar' });
  for (const bad of ['s3:bucket', 'dir:', 'dir:/x,mode=all', 'registry:Bad Name']) expect(() => parseCacheLocation(bad)).toThrow(expect.objectContaining({ code: 'CACHE_REF_INVALID' }));
});

test('signatures: any change to a record or the key fails verification', () => {
  const r = { key: 'a'.repeat(64), kind: 'copy', position: 'p', inputs: {}, created: 'c' } as StepRecord;
  const key = Buffer.from('k');
  const sig = signRecord(r, key);
  expect(verifyRecord(r, sig, key)).toBe(true);
  expect(verifyRecord({ ...r, kind: 'run' }, sig, key)).toBe(false);
  expect(verifyRecord(r, sig, Buffer.from('k2'))).toBe(false);
  expect(verifyRecord(r, undefined, key)).toBe(false);
  expect(verifyRecord(r, 'zz', key)).toBe(false);
});

test('the manifest is deterministic and lists every blob once', async () => {
  const store = await CacheStore.open(tmp());
  const a = await recordWith(store, 'a', 'one');
  const b = await recordWith(store, 'b', 'one', true);
  const x = buildCache([{ record: b }, { record: a }]);
  const y = buildCache([{ record: a }, { record: b }]);
  expect(x.manifest.equals(y.manifest)).toBe(true);
  expect(x.blobs).toHaveLength(1);
});

test('mode=min keeps each target\'s last step and its output steps; max keeps all', async () => {
  const store = await CacheStore.open(tmp());
  const recs = [await recordWith(store, '1', 'a'), await recordWith(store, '2', 'b', true), await recordWith(store, '3', 'c'), await recordWith(store, '4', 'd')];
  const map = new Map(recs.map((r) => [r.key, r]));
  const steps = [
    { target: '+t', index: 0, key: recs[0].key },
    { target: '+t', index: 1, key: recs[1].key },
    { target: '+t', index: 2, key: recs[2].key },
    { target: '+u', index: 0, key: recs[3].key },
  ];
  expect(selectRecords(steps, map, 'max').map((r) => r.key)).toEqual(recs.map((r) => r.key));
  expect(selectRecords(steps, map, 'min').map((r) => r.key)).toEqual([recs[1].key, recs[2].key, recs[3].key]);
});

test.each(['dir', 'oci-archive'])('%s: export then import into an empty store; a second export sends nothing new', async (kind) => {
  const src = await CacheStore.open(tmp());
  const records = [await recordWith(src, 'a', 'alpha'), await recordWith(src, 'b', 'beta', true)];
  const loc = parseCacheLocation(kind === 'dir' ? `dir:${join(tmp(), 'c')}` : `oci-archive:${join(tmp(), 'c.tar')}`);
  const first = await exportCache(src, records, await openSink(loc));
  expect(first).toMatchObject({ records: 2, blobs: 2, uploaded: 3 });
  const again = await exportCache(src, records, await openSink(loc));
  expect(again.uploaded).toBe(kind === 'dir' ? 0 : 3); // an archive is always written whole

  const dest = await CacheStore.open(tmp());
  const stats = await importCache(dest, (await openSource(loc, dest))!);
  expect(stats).toMatchObject({ found: true, records: 2, imported: 2, blobsFetched: 2, refusedBlobs: [] });
  for (const r of records) expect(await dest.getRecord(r.key)).toEqual(r);
});

test('dir: a corrupted blob is refused and never stored; its record is dropped', async () => {
  const src = await CacheStore.open(tmp());
  const good = await recordWith(src, 'a', 'good');
  const bad = await recordWith(src, 'b', 'will be corrupted');
  const loc = parseCacheLocation(`dir:${join(tmp(), 'c')}`);
  await exportCache(src, [good, bad], await openSink(loc));
  if (loc.kind !== 'dir') throw new Error();
  const blob = join(loc.path, 'blobs', 'sha256', bad.state!.layers[0].digest.slice(7));
  await fs.writeFile(blob, 'WILL BE CORRUPTED');
  const dest = await CacheStore.open(tmp());
  const stats = await importCache(dest, (await openSource(loc, dest))!);
  expect(stats).toMatchObject({ imported: 1, dropped: 1, refusedBlobs: [bad.state!.layers[0].digest] });
  expect(await dest.hasBlob(bad.state!.layers[0].digest)).toBe(false);
  expect(await dest.getRecord(bad.key)).toBeUndefined();
});

test('import refuses records with keys that are not sha256 hex (no path tricks)', async () => {
  const src = await CacheStore.open(tmp());
  const r = await recordWith(src, 'a', 'x');
  const evil = { ...r, key: '../../../../tmp/evil' };
  const loc = parseCacheLocation(`dir:${join(tmp(), 'c')}`);
  await exportCache(src, [evil], await openSink(loc));
  const dest = await CacheStore.open(tmp());
  const stats = await importCache(dest, (await openSource(loc, dest))!);
  expect(stats).toMatchObject({ imported: 0, dropped: 1 });
});

test('nothing exported yet is not an error', async () => {
  const dest = await CacheStore.open(tmp());
  const stats = await importCache(dest, (await openSource(parseCacheLocation(`dir:${join(tmp(), 'none')}`), dest))!);
  expect(stats.found).toBe(false);
});
