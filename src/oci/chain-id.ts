// OCI chain ids (image-spec config.md): chainid(L0) = diffid(L0);
// chainid(Ln) = sha256(chainid(Ln-1) + ' ' + diffid(Ln)). Snapshots are named by them.
import { sha256, type Digest } from '../cache/digest.js';
import type { LayerDesc } from './types.js';

export function chainIds(layers: Pick<LayerDesc, 'diffId'>[]): Digest[] {
  const out: Digest[] = [];
  for (const l of layers) out.push(out.length ? sha256(`${out[out.length - 1]} ${l.diffId}`) : l.diffId);
  return out;
}
