// A failed run() step's filesystem and spec, kept in the cache so
// `kairos-pipe debug <id>` can open a shell where the command failed.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { CacheStore } from '../cache/store.js';
import type { FsState } from '../oci/types.js';
import type { RunStep } from '../dsl/steps/run.js';
import { canonicalJson } from '../cache/canonical.js';

export interface DebugRecord {
  stepId: string;
  state: FsState;
  step: RunStep;
}

export async function saveDebugRecord(store: CacheStore, rec: DebugRecord): Promise<string> {
  const id = createHash('sha256').update(canonicalJson(rec)).digest('hex').slice(0, 12);
  await fs.mkdir(join(store.root, 'debug'), { recursive: true });
  await fs.writeFile(join(store.root, 'debug', `${id}.json`), JSON.stringify(rec));
  return id;
}

export async function loadDebugRecord(store: CacheStore, id: string): Promise<DebugRecord | undefined> {
  if (!/^[0-9a-f]{6,64}$/.test(id)) return undefined;
  try {
    return JSON.parse(await fs.readFile(join(store.root, 'debug', `${id}.json`), 'utf8')) as DebugRecord;
  } catch {
    return undefined;
  }
}
