// Resolves an image User ('name', 'uid', 'name:group', 'uid:gid') against the
// step's own /etc/passwd and /etc/group, as Docker does: primary gid from
// passwd, supplementary groups from group membership, HOME from passwd.
import type { LowerView } from './lower-view.js';
import { resolveInRoot } from './lower-view.js';
import { UnknownUserError } from './errors.js';

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

async function readTable(view: LowerView, path: string): Promise<string[][]> {
  const data = await view.read(await resolveInRoot(view, path));
  if (!data) return [];
  return data
    .toString('utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

const isNum = (s: string): boolean => /^\d+$/.test(s);

export async function resolveUser(view: LowerView, spec: string, stepId: string): Promise<ResolvedUser> {
  const [userPart, groupPart] = (spec || '0').split(':', 2);
  const passwd = await readTable(view, '/etc/passwd');
  const row = passwd.find((r) => r[0] === userPart) ?? (isNum(userPart) ? passwd.find((r) => r[2] === userPart) : undefined);
  if (!row && !isNum(userPart)) throw new UnknownUserError(stepId, spec);
  const uid = row ? Number(row[2]) : Number(userPart);
  let gid = row ? Number(row[3]) : 0;
  const groups = await readTable(view, '/etc/group');
  if (groupPart !== undefined) {
    const g = groups.find((r) => r[0] === groupPart);
    if (!g && !isNum(groupPart)) throw new UnknownUserError(stepId, spec);
    gid = g ? Number(g[2]) : Number(groupPart);
  }
  const name = row?.[0];
  const additionalGids =
    groupPart === undefined && name
      ? groups.filter((g) => (g[3] ?? '').split(',').includes(name)).map((g) => Number(g[2])).filter((g) => g !== gid)
      : [];
  return { uid, gid, additionalGids, home: row?.[5] || '/' };
}
