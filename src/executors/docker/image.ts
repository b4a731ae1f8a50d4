// Makes a layer chain available to a Docker engine as an image, tagged by the
// chain's chain id (it ends in, and depends on, every diffId) so it is loaded
// once and found by later steps and builds. Loading is `docker load` of a
// docker-save archive (manifest.json, config, layer tars) streamed from the store.
import { createReadStream } from 'node:fs';
import type Dockerode from 'dockerode';
import tar from 'tar-stream';
import type { Readable } from 'node:stream';
import type { CacheStore } from '../../cache/store.js';
import { hexOf, sha256 } from '../../cache/digest.js';
import type { LayerDesc } from '../../oci/types.js';
import { chainIds } from '../oci/snapshots.js';

export const IMAGE_REPO = 'kairos-pipe-chain';
/** An empty tar: a chain with no layers still needs one for Docker. */
const EMPTY_TAR = Buffer.alloc(1024);
const EMPTY_LAYER: LayerDesc = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(EMPTY_TAR), size: 1024, diffId: sha256(EMPTY_TAR) };

export function chainTag(layers: LayerDesc[]): string {
  const ids = chainIds(layers.length ? layers : [EMPTY_LAYER]);
  return `${IMAGE_REPO}:${hexOf(ids[ids.length - 1])}`;
}

async function imageExists(docker: Dockerode, tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return true;
  } catch {
    return false;
  }
}

function archive(store: CacheStore, layers: LayerDesc[], tag: string, placeholders: number): Readable {
  const pack = tar.pack();
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } });
  const configName = `${hexOf(sha256(config))}.json`;
  const names = layers.map((l) => `${hexOf(l.diffId)}/layer.tar`);
  const manifest = JSON.stringify([{ Config: configName, RepoTags: [tag], Layers: names }]);
  void (async () => {
    try {
      const add = (name: string, body: Buffer): Promise<void> =>
        new Promise((res, rej) => pack.entry({ name, mtime: new Date(0) }, body, (e) => (e ? rej(e) : res())));
      await add('manifest.json', Buffer.from(manifest));
      await add(configName, Buffer.from(config));
      const seen = new Set<string>();
      for (let i = 0; i < layers.length; i++) {
        if (seen.has(names[i])) continue;
        seen.add(names[i]);
        const l = layers[i];
        if (l === EMPTY_LAYER) {
          await add(names[i], EMPTY_TAR);
        } else if (i < placeholders) {
          // The engine already has this layer (its parent image is loaded) and
          // only opens the file for layers it lacks: send an empty stand-in.
          await add(names[i], Buffer.alloc(0));
        } else {
          await new Promise<void>((res, rej) => {
            const sink = pack.entry({ name: names[i], size: l.size, mtime: new Date(0) }, (e) => (e ? rej(e) : res()));
            const src = createReadStream(store.blobPath(l.digest));
            src.on('error', rej);
            src.pipe(sink);
          });
        }
      }
      pack.finalize();
    } catch (e) {
      pack.destroy(e as Error);
    }
  })();
  return pack as unknown as Readable;
}

async function load(docker: Dockerode, body: Readable): Promise<void> {
  const res = await docker.loadImage(body, { quiet: true });
  let text = '';
  for await (const chunk of res as AsyncIterable<Buffer>) text += chunk.toString();
  const err = text
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      try {
        return JSON.parse(l) as { error?: string; errorDetail?: { message?: string } };
      } catch {
        return {};
      }
    })
    .find((m) => m.error);
  if (err) throw new Error(err.error);
}

/** Returns the tag of an image holding exactly `layers`, loading it if the engine lacks it. */
export async function ensureChainImage(docker: Dockerode, store: CacheStore, layers: LayerDesc[]): Promise<string> {
  const chain = layers.length ? layers : [EMPTY_LAYER];
  const tag = chainTag(chain === layers ? layers : []);
  if (await imageExists(docker, tag)) return tag;
  let have = 0;
  for (let i = chain.length - 1; i > 0; i--) {
    if (await imageExists(docker, chainTag(chain.slice(0, i)))) {
      have = i;
      break;
    }
  }
  try {
    await load(docker, archive(store, chain, tag, have));
  } catch (e) {
    if (!have) throw e;
    // Engines that read every layer file (e.g. the containerd image store) get the full archive.
    await load(docker, archive(store, chain, tag, 0));
  }
  return tag;
}
