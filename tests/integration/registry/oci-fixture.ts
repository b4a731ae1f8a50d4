// Builds small OCI image layouts on disk (gzip, zstd or plain tar layers; single image or
// multi-platform index) for skopeo to push, and runs skopeo with test-friendly flags.
import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { MEDIA, type Descriptor, type ImageConfig, type ImageManifest } from '../../../src/oci/types.js';

const run = promisify(execFile);

export interface LayerSpec {
  files: Record<string, Buffer | string>;
  compression?: 'gzip' | 'zstd' | 'none';
}

export interface ImageSpec {
  layers: LayerSpec[];
  architecture?: string;
  os?: string;
}

export interface BuiltImage {
  manifestDigest: string;
  manifest: ImageManifest;
  configDigest: string;
  config: ImageConfig;
  layers: Array<{ digest: string; diffId: string; mediaType: string; size: number; tar: Buffer }>;
}

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export async function tarOf(files: Record<string, Buffer | string>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((r) => pack.on('end', () => r()));
  for (const [name, content] of Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const body = typeof content === 'string' ? Buffer.from(content) : content;
    await new Promise<void>((res, rej) => pack.entry({ name, size: body.length, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0 }, body, (e) => (e ? rej(e) : res())));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

function writeBlob(dir: string, data: Buffer): string {
  const d = digestOf(data);
  writeFileSync(join(dir, 'blobs', 'sha256', d.slice(7)), data);
  return d;
}

function compress(t: Buffer, c: LayerSpec['compression']): { data: Buffer; mediaType: string } {
  if (c === 'none') return { data: t, mediaType: MEDIA.layerTar };
  if (c === 'zstd') return { data: execFileSync('zstd', ['-q', '-c', '-3'], { input: t, maxBuffer: 1 << 30 }), mediaType: MEDIA.layerZstd };
  return { data: gzipSync(t, { level: 1 }), mediaType: MEDIA.layerGzip };
}

async function writeImage(dir: string, spec: ImageSpec): Promise<BuiltImage> {
  const layers: BuiltImage['layers'] = [];
  for (const l of spec.layers) {
    const t = await tarOf(l.files);
    const { data, mediaType } = compress(t, l.compression);
    layers.push({ digest: writeBlob(dir, data), diffId: digestOf(t), mediaType, size: data.length, tar: t });
  }
  const config: ImageConfig = {
    architecture: spec.architecture ?? 'amd64',
    os: spec.os ?? 'linux',
    config: { Env: ['PATH=/usr/bin:/bin'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId as `sha256:${string}`) },
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDigest = writeBlob(dir, configBytes);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA.manifest,
    config: { mediaType: MEDIA.config, digest: configDigest as `sha256:${string}`, size: configBytes.length },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest as `sha256:${string}`, size: l.size })),
  };
  const mBytes = Buffer.from(JSON.stringify(manifest));
  return { manifestDigest: writeBlob(dir, mBytes), manifest, configDigest, config, layers };
}

/** Writes an OCI layout at `dir` with `tag`; several specs make a multi-platform index. */
export async function buildOciLayout(dir: string, tag: string, specs: ImageSpec[]): Promise<{ topDigest: string; images: BuiltImage[] }> {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const images: BuiltImage[] = [];
  for (const s of specs) images.push(await writeImage(dir, s));
  const sizeOf = (img: BuiltImage) => Buffer.byteLength(JSON.stringify(img.manifest));
  let top: Descriptor;
  if (images.length === 1) {
    top = { mediaType: MEDIA.manifest, digest: images[0].manifestDigest as `sha256:${string}`, size: sizeOf(images[0]) };
  } else {
    const index = {
      schemaVersion: 2,
      mediaType: MEDIA.index,
      manifests: images.map((img) => ({ mediaType: MEDIA.manifest, digest: img.manifestDigest, size: sizeOf(img), platform: { architecture: img.config.architecture, os: img.config.os } })),
    };
    const b = Buffer.from(JSON.stringify(index));
    top = { mediaType: MEDIA.index, digest: writeBlob(dir, b) as `sha256:${string}`, size: b.length };
  }
  const withName = { ...top, annotations: { 'org.opencontainers.image.ref.name': tag } };
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [withName] }));
  return { topDigest: top.digest, images };
}

export function randomFiles(n: number, size: number): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (let i = 0; i < n; i++) out[`data/f${i}.bin`] = randomBytes(size);
  return out;
}

/** `skopeo copy` between transports, TLS verification off (loopback is plain HTTP). */
export async function skopeo(args: string[]): Promise<string> {
  const { stdout } = await run('skopeo', ['--insecure-policy', ...args], { maxBuffer: 64 << 20 });
  return stdout;
}

export function skopeoCopy(src: string, dst: string, extra: string[] = []): Promise<string> {
  return skopeo(['copy', '-q', '--src-tls-verify=false', '--dest-tls-verify=false', ...extra, src, dst]);
}
