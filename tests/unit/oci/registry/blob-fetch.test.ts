// Blob download edge cases against a scripted in-process HTTP server on loopback:
// servers that ignore Range, 5xx/429 answers, oversized bodies, and layers whose
// bytes match their digest but do not decode.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CacheStore } from '../../../../src/cache/store.js';
import { RegistryClient } from '../../../../src/oci/registry/client.js';
import { fetchBlob } from '../../../../src/oci/registry/blob-download.js';
import { fetchLayerToStore } from '../../../../src/oci/registry/layer-fetch.js';
import { InvalidImageError, RegistryDigestMismatchError, RegistryHttpError } from '../../../../src/oci/registry/errors.js';
import type { Descriptor } from '../../../../src/oci/types.js';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;
let server: Server;
let host: string;
let handler: Handler;
let calls: Array<{ range?: string }>;
let dir: string;

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}` as const;
const desc = (b: Buffer): Descriptor => ({ mediaType: 'application/octet-stream', digest: digestOf(b), size: b.length });
const client = () => new RegistryClient(host, { retryDelayMs: 1, retries: 3 });

beforeAll(async () => {
  server = createServer((req, res) => {
    calls.push({ ...(req.headers.range ? { range: String(req.headers.range) } : {}) });
    handler(req, res, calls.length);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  host = `127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  calls = [];
  dir = mkdtempSync(join(tmpdir(), 'kp-blob-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('a server that ignores Range: the retry skips what was already read', async () => {
  const data = randomBytes(300_000);
  handler = (_req, res, n) => {
    res.writeHead(200, { 'content-length': String(data.length) });
    if (n === 1) {
      res.write(data.subarray(0, 100_000), () => res.destroy());
      return;
    }
    res.end(data);
  };
  const got = await fetchBlob(client(), 'r', desc(data), 'test blob');
  expect(got.equals(data)).toBe(true);
  expect(calls).toHaveLength(2);
  expect(calls[1].range).toMatch(/^bytes=[1-9]\d*-$/);
});

test('5xx and 429 are retried; 4xx are not', async () => {
  const data = Buffer.from('hello');
  handler = (_req, res, n) => {
    if (n === 1) res.writeHead(503).end();
    else if (n === 2) res.writeHead(429, { 'retry-after': '0' }).end();
    else res.writeHead(200).end(data);
  };
  expect((await fetchBlob(client(), 'r', desc(data), 'b')).toString()).toBe('hello');
  expect(calls).toHaveLength(3);
  calls = [];
  handler = (_req, res) => res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'DIGEST_INVALID', message: 'bad' }] }));
  const err = await fetchBlob(client(), 'r', desc(data), 'b').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RegistryHttpError);
  expect((err as Error).message).toContain('DIGEST_INVALID');
  expect(calls).toHaveLength(1);
});

test('a body longer than the descriptor is refused', async () => {
  const data = Buffer.from('exactly this');
  handler = (_req, res) => res.writeHead(200).end(Buffer.concat([data, Buffer.from('and more')]));
  const err = await fetchBlob(client(), 'r', desc(data), 'b').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RegistryDigestMismatchError);
});

test('zstd layers are decoded into the store; the diff id is checked', async () => {
  const tar = randomBytes(50_000);
  const zst = execFileSync('zstd', ['-q', '-c'], { input: tar });
  handler = (_req, res) => res.writeHead(200).end(zst);
  const store = await CacheStore.open(dir);
  const d = { ...desc(zst), mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd' };
  const r = await fetchLayerToStore(client(), 'r', d, 'zstd', digestOf(tar), store, 'layer 1');
  expect(r.size).toBe(tar.length);
  expect((await store.readBlob(digestOf(tar)))?.equals(tar)).toBe(true);
  const wrong = digestOf(Buffer.from('other'));
  const err = await fetchLayerToStore(client(), 'r', d, 'zstd', wrong, await CacheStore.open(join(dir, 's2')), 'layer 1').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RegistryDigestMismatchError);
  expect((err as Error).message).toContain('diff_ids');
  expect(await store.hasBlob(wrong)).toBe(false);
});

test('bytes that match their digest but are not gzip: invalid image, nothing stored', async () => {
  const junk = Buffer.concat([gzipSync(randomBytes(1000)).subarray(0, 20), randomBytes(2000)]);
  handler = (_req, res) => res.writeHead(200).end(junk);
  const store = await CacheStore.open(dir);
  const err = await fetchLayerToStore(client(), 'r', desc(junk), 'gzip', digestOf(Buffer.from('x')), store, 'layer 2 of x').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidImageError);
  expect((err as Error).message).toContain('gzip');
});

test('an abort stops the download and stores nothing', async () => {
  const data = randomBytes(200_000);
  handler = (_req, res) => {
    res.writeHead(200, { 'content-length': String(data.length) });
    res.write(data.subarray(0, 50_000)); // and never finishes
  };
  const store = await CacheStore.open(dir);
  const ac = new AbortController();
  const c = new RegistryClient(host, { retryDelayMs: 1, signal: ac.signal });
  const d = { ...desc(data), mediaType: 'application/vnd.oci.image.layer.v1.tar' };
  const p = fetchLayerToStore(c, 'r', d, 'none', d.digest, store, 'layer', (done) => done >= 50_000 && ac.abort());
  const err = await p.catch((e: unknown) => e);
  expect((err as Error).name).toBe('AbortError');
  expect(await store.hasBlob(d.digest)).toBe(false);
});
