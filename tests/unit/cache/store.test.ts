import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CacheStore } from '../../../src/cache/store.js';
import { sha256 } from '../../../src/cache/digest.js';
import { DigestMismatchError } from '../../../src/cache/errors.js';
import type { StepRecord } from '../../../src/cache/records.js';
import { MEDIA } from '../../../src/oci/types.js';

let root: string;
let n = 0;

beforeAll(async () => {
  root = await fs.mkdtemp(join(tmpdir(), 'kp-store-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function store(): Promise<CacheStore> {
  return CacheStore.open(join(root, `c${n++}`));
}

const ls = (s: CacheStore, d: string) => fs.readdir(join(s.root, d));

function record(key: string, layers: Array<{ digest: string; size: number }>): StepRecord {
  return {
    key,
    kind: 'copy',
    position: 'targets/x.ts#x#1',
    inputs: {},
    state: {
      layers: layers.map((l) => ({ mediaType: MEDIA.layerTar, digest: l.digest as `sha256:${string}`, size: l.size, diffId: l.digest as `sha256:${string}` })),
      config: { architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] } },
    },
    created: new Date(0).toISOString(),
  };
}

describe('CacheStore layout', () => {
  test('open creates an OCI image layout', async () => {
    const s = await store();
    expect(JSON.parse(await fs.readFile(join(s.root, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    expect(JSON.parse(await fs.readFile(join(s.root, 'index.json'), 'utf8'))).toMatchObject({ schemaVersion: 2, manifests: [] });
    expect(await ls(s, 'blobs/sha256')).toEqual([]);
  });

  test('open on a path that is a file fails with CacheDirError', async () => {
    const f = join(root, 'a-file');
    await fs.writeFile(f, '');
    await expect(CacheStore.open(f)).rejects.toMatchObject({ code: 'CACHE_DIR_UNUSABLE' });
  });
});

describe('CacheStore blobs', () => {
  test('putBuffer stores under blobs/sha256/<hex> and readBlob verifies', async () => {
    const s = await store();
    const put = await s.putBuffer('hello');
    expect(put).toEqual({ digest: sha256('hello'), size: 5 });
    expect(await fs.readFile(s.blobPath(put.digest), 'utf8')).toBe('hello');
    expect((await s.readBlob(put.digest))!.toString()).toBe('hello');
    expect(await ls(s, 'tmp')).toEqual([]);
  });

  test('putStream hashes while streaming and leaves nothing in tmp/', async () => {
    const s = await store();
    const chunks = [Buffer.from('ab'), Buffer.from('cd')];
    const put = await s.putStream(Readable.from(chunks));
    expect(put).toEqual({ digest: sha256('abcd'), size: 4 });
    expect(await s.hasBlob(put.digest)).toBe(true);
    expect(await ls(s, 'tmp')).toEqual([]);
  });

  test('a stream that errors midway leaves no blob under blobs/ and nothing in tmp/', async () => {
    const s = await store();
    async function* broken(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(1 << 20, 1);
      yield Buffer.alloc(1 << 20, 2);
      throw new Error('disk on fire');
    }
    await expect(s.putStream(broken())).rejects.toThrow('disk on fire');
    expect(await ls(s, 'blobs/sha256')).toEqual([]);
    expect(await ls(s, 'tmp')).toEqual([]);
  });

  test('putStream with a wrong expected digest stores nothing', async () => {
    const s = await store();
    const wrong = sha256('something else');
    const e = await s.putStream(Readable.from([Buffer.from('data')]), wrong).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DigestMismatchError);
    expect((e as DigestMismatchError).expected).toBe(wrong);
    expect(await ls(s, 'blobs/sha256')).toEqual([]);
    expect(await ls(s, 'tmp')).toEqual([]);
    await expect(s.putBuffer('data', wrong)).rejects.toBeInstanceOf(DigestMismatchError);
    expect(await ls(s, 'blobs/sha256')).toEqual([]);
  });

  test('putStream with the right expected digest stores it', async () => {
    const s = await store();
    await expect(s.putStream(Readable.from([Buffer.from('data')]), sha256('data'))).resolves.toEqual({ digest: sha256('data'), size: 4 });
  });

  test('storing the same content twice is harmless', async () => {
    const s = await store();
    await s.putBuffer('same');
    await s.putStream(Readable.from([Buffer.from('same')]));
    expect(await ls(s, 'blobs/sha256')).toHaveLength(1);
  });

  test('a corrupted blob reads as missing and is removed', async () => {
    const s = await store();
    const { digest } = await s.putBuffer('precious bytes');
    await fs.writeFile(s.blobPath(digest), 'precious bytez');
    expect(await s.readBlob(digest)).toBeUndefined();
    expect(await s.hasBlob(digest)).toBe(false);
  });

  test('a truncated blob fails verifyBlob and is removed; a good one passes', async () => {
    const s = await store();
    const good = await s.putBuffer('good');
    const bad = await s.putBuffer('truncated later');
    await fs.truncate(s.blobPath(bad.digest), 3);
    expect(await s.verifyBlob(good.digest)).toBe(true);
    expect(await s.verifyBlob(bad.digest)).toBe(false);
    expect(await s.hasBlob(bad.digest)).toBe(false);
    expect(await s.verifyBlob(sha256('never stored'))).toBe(false);
  });

  test('readBlob of an absent digest is undefined', async () => {
    const s = await store();
    expect(await s.readBlob(sha256('nothing'))).toBeUndefined();
  });

  test('putFile moves a staged file in', async () => {
    const s = await store();
    const tmp = s.tmpPath('x');
    await fs.writeFile(tmp, 'staged');
    await s.putFile(tmp, sha256('staged'));
    expect(await s.readBlob(sha256('staged'))).toEqual(Buffer.from('staged'));
    expect(await ls(s, 'tmp')).toEqual([]);
  });
});

describe('CacheStore records', () => {
  const KEY = 'ab'.repeat(32);

  test('put/get round trip, sharded under keys/<hex[0:2]>/', async () => {
    const s = await store();
    const b = await s.putBuffer('layer');
    await s.putRecord(record(KEY, [b]));
    expect(s.recordPath(KEY)).toBe(join(s.root, 'keys', 'ab', `${KEY}.json`));
    expect(await s.getRecord(KEY)).toMatchObject({ key: KEY });
  });

  test('getRecord is undefined when a referenced blob is missing', async () => {
    const s = await store();
    const b = await s.putBuffer('layer');
    await s.putRecord(record(KEY, [b]));
    await fs.rm(s.blobPath(b.digest));
    expect(await s.getRecord(KEY)).toBeUndefined();
  });

  test('getRecord is undefined when a referenced blob has the wrong size', async () => {
    const s = await store();
    const b = await s.putBuffer('layer bytes');
    await s.putRecord(record(KEY, [b]));
    await fs.truncate(s.blobPath(b.digest), 4);
    expect(await s.getRecord(KEY)).toBeUndefined();
  });

  test('getRecord is undefined for an unreadable record or an unknown key', async () => {
    const s = await store();
    expect(await s.getRecord(KEY)).toBeUndefined();
    await fs.mkdir(join(s.root, 'keys', 'ab'), { recursive: true });
    await fs.writeFile(s.recordPath(KEY), '{"key":');
    expect(await s.getRecord(KEY)).toBeUndefined();
  });

  test('a hit touches the record (LRU for gc) unless touch: false', async () => {
    const s = await store();
    const b = await s.putBuffer('layer');
    await s.putRecord(record(KEY, [b]));
    const old = new Date('2020-01-01');
    await fs.utimes(s.recordPath(KEY), old, old);
    await s.getRecord(KEY, { touch: false });
    expect((await fs.stat(s.recordPath(KEY))).mtimeMs).toBe(old.getTime());
    await s.getRecord(KEY);
    expect((await fs.stat(s.recordPath(KEY))).mtimeMs).toBeGreaterThan(old.getTime());
  });

  test('positions remember the last key at a step position', async () => {
    const s = await store();
    const b = await s.putBuffer('layer');
    await s.putRecord(record(KEY, [b]));
    expect(await s.lastAtPosition('targets/x.ts#x#1')).toBeUndefined();
    await s.setPosition('targets/x.ts#x#1', KEY);
    expect(await s.lastAtPosition('targets/x.ts#x#1')).toMatchObject({ key: KEY });
  });

  test('tags round trip', async () => {
    const s = await store();
    expect(await s.getTag('alpine:3')).toBeUndefined();
    await s.setTag('alpine:3', sha256('m'));
    expect(await s.getTag('alpine:3')).toBe(sha256('m'));
  });
});
