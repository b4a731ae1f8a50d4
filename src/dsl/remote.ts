// remote(): targets of another git repository, for TS target modules:
//   const kairos = remote('github.com/kairos-io/pipelines@v1');
//   from(kairos.target('framework'), { FLAVOR })
// Only builds reference strings; resolving, pinning and cloning are the engine's job.

export interface RemoteRepo {
  /** The repository reference as given: `github.com/org/repo[/sub]@ref` or `git+https://...@ref`. */
  readonly repo: string;
  /** A reference to one of its targets, usable in from(), build() and copy(`${ref}/artifact`). */
  target(name: string): string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function remote(repo: string): RemoteRepo {
  if (typeof repo !== 'string' || !repo || /\s/.test(repo) || repo.includes('+', repo.startsWith('git+') ? 4 : 0)) {
    throw new TypeError(`remote('${String(repo)}'): expected github.com/org/repo@ref or git+https://host/path.git@ref`);
  }
  return {
    repo,
    target(name: string): string {
      if (!NAME.test(name)) throw new TypeError(`remote('${repo}').target('${name}'): a target name is letters, digits, '.', '_' and '-'`);
      return `${repo}+${name}`;
    },
  };
}
