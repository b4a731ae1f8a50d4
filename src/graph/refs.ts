// Parses target references: `+name`, `./dir+name`, and the remote forms
// (`github.com/o/r[/sub]@ref+name`, `git+<scheme>://host/path.git@ref+name`; see load/remote/).
export type ParsedRef =
  | { kind: 'local'; dir: string; name: string }
  | { kind: 'remote'; repo: string; ref?: string; name: string };

export function parseTargetRef(ref: string): ParsedRef | undefined {
  const i = ref.lastIndexOf('+');
  if (i === -1) return undefined;
  const name = ref.slice(i + 1);
  const prefix = ref.slice(0, i);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) return undefined;
  if (prefix === '') return { kind: 'local', dir: '.', name };
  if (prefix.startsWith('./') || prefix.startsWith('../') || prefix === '.' || prefix === '..' || prefix.startsWith('/')) {
    return { kind: 'local', dir: prefix, name };
  }
  // In git+ssh://user@host/... the '@' of the user is not the ref's: only one after the host counts.
  const hostEnd = prefix.startsWith('git+') && prefix.includes('://') ? prefix.indexOf('/', prefix.indexOf('://') + 3) : 0;
  const at = prefix.lastIndexOf('@');
  return at > 0 && at > hostEnd ? { kind: 'remote', repo: prefix.slice(0, at), ref: prefix.slice(at + 1), name } : { kind: 'remote', repo: prefix, name };
}
