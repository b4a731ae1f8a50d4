// Checks a cache directory is valid: every blob's sha256 matches its name, no
// record names a missing blob, and no record file is half written.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { join } from 'node:path';

export interface CacheCheck {
  blobs: number;
  records: number;
  problems: string[];
}

async function sha256Hex(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

export async function verifyCacheDir(root: string): Promise<CacheCheck> {
  const problems: string[] = [];
  const blobDir = join(root, 'blobs', 'sha256');
  const blobs = await fs.readdir(blobDir).catch(() => [] as string[]);
  for (const hex of blobs) {
    const actual = await sha256Hex(join(blobDir, hex));
    if (actual !== hex) problems.push(`blob ${hex} has content ${actual}`);
  }
  let records = 0;
  for (const shard of await fs.readdir(join(root, 'keys')).catch(() => [] as string[])) {
    for (const f of await fs.readdir(join(root, 'keys', shard))) {
      records++;
      let rec: { state?: { layers?: Array<{ digest: string }> }; outputs?: Record<string, { digest: string }> };
      try {
        rec = JSON.parse(await fs.readFile(join(root, 'keys', shard, f), 'utf8')) as typeof rec;
      } catch {
        problems.push(`record ${shard}/${f} is not valid JSON`);
        continue;
      }
      for (const d of [...(rec.state?.layers ?? []), ...Object.values(rec.outputs ?? {})].map((x) => x.digest)) {
        if (!blobs.includes(d.slice(7))) problems.push(`record ${f} needs missing blob ${d}`);
      }
    }
  }
  return { blobs: blobs.length, records, problems };
}
