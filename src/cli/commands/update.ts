// `kairos-pipe update [ref...]`: resolve remote refs again and rewrite kairos-pipe.lock.
// The only command (with a first run of a new ref) that asks remote repositories anything.
import { readLock, parseRemoteSpec, lockKey, pinCommit, LOCK_FILE } from '../../load/remote/index.js';
import { parseTargetRef } from '../../graph/refs.js';
import type { CliIO } from '../io.js';
import { UsageError } from '../io.js';
import { cacheDir, projectDir, type GlobalOpts } from './common.js';

interface Change {
  ref: string;
  from?: string;
  to: string;
}

/** `github.com/o/r@v1` or `...@v1+target`: the lock key it names, or a repo prefix to match. */
function keyOf(arg: string): { key?: string; repo: string } {
  const parsed = parseTargetRef(arg.includes('+', arg.startsWith('git+') ? 4 : 0) ? arg : `${arg}+x`);
  if (!parsed || parsed.kind !== 'remote') throw new UsageError(`'${arg}' is not a remote reference`, 'Example: kairos-pipe update github.com/kairos-io/pipelines@v1');
  const spec = parseRemoteSpec(parsed.repo, parsed.ref, arg);
  return { key: parsed.ref !== undefined ? lockKey(spec) : undefined, repo: spec.repo };
}

export async function updateCommand(refs: string[], o: GlobalOpts & { json?: boolean }, io: CliIO): Promise<number> {
  const root = projectDir(o);
  const lock = await readLock(root);
  const wanted = new Set<string>();
  for (const arg of refs) {
    const { key, repo } = keyOf(arg);
    const matches = Object.keys(lock.remotes).filter((k) => k === key || (key === undefined && k.startsWith(`${repo}@`)));
    if (key && !matches.length) matches.push(key); // not locked yet: pin it now
    if (!matches.length) throw new UsageError(`${LOCK_FILE} has no entry for ${arg}`, `Locked: ${Object.keys(lock.remotes).join(', ') || 'nothing yet'}.`);
    for (const m of matches) wanted.add(m);
  }
  const keys = refs.length ? [...wanted] : Object.keys(lock.remotes);
  const changes: Change[] = [];
  for (const key of keys.sort()) {
    const at = key.lastIndexOf('@');
    const spec = parseRemoteSpec(key.slice(0, at), key.slice(at + 1) === 'HEAD' ? undefined : key.slice(at + 1), key);
    const before = lock.remotes[key]?.commit;
    // pinCommit with update: ls-remote, fetch the commit into the cache, write the lock.
    const commit = await pinCommit(spec, key, { cacheDir: cacheDir(o, process.env), lockRoot: root, update: true });
    changes.push({ ref: key, from: before, to: commit });
  }
  if (o.json) {
    io.out(`${JSON.stringify({ lock: `${root}/${LOCK_FILE}`, updated: changes })}\n`);
    return 0;
  }
  if (!changes.length) io.out(`${LOCK_FILE}: no remote targets locked yet (they are pinned on their first run)\n`);
  for (const c of changes) {
    const what = c.from === c.to ? 'unchanged' : c.from ? `${c.from.slice(0, 12)} -> ${c.to.slice(0, 12)}` : `pinned ${c.to.slice(0, 12)}`;
    io.out(`${c.ref}: ${what}\n`);
  }
  return 0;
}
