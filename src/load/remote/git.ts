// Runs the git CLI (never a shell) with prompts disabled, and resolves refs with
// `git ls-remote`. Failures carry git's own stderr for the caller to classify.
import { execFile } from 'node:child_process';

export class GitFailed extends Error {
  constructor(readonly args: string[], readonly stderr: string, readonly exitCode: number | null) {
    super(`git ${args.join(' ')} failed: ${stderr.trim().split('\n').slice(-3).join(' / ') || `exit ${exitCode}`}`);
  }
}

export function git(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        // No terminal prompts (CI hangs otherwise); C locale so messages can be classified.
        env: { ...process.env, ...opts.env, GIT_TERMINAL_PROMPT: '0', GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes', LC_ALL: 'C' },
        maxBuffer: 64 << 20,
        timeout: opts.timeoutMs ?? 300_000,
      },
      (err, stdout, stderr) => {
        if (err) reject(new GitFailed(args, String(stderr || err.message), typeof err.code === 'number' ? err.code : null));
        else resolve(String(stdout));
      },
    );
  });
}

/** Every ref the repository advertises: name → commit (annotated tags peeled). */
export async function lsRemote(url: string): Promise<Map<string, string>> {
  const out = await git(['ls-remote', '--', url], { timeoutMs: 60_000 });
  const refs = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [sha, name] = line.split('\t');
    if (!sha || !name) continue;
    if (name.endsWith('^{}')) refs.set(name.slice(0, -3), sha); // peeled wins over the tag object
    else if (!refs.has(name)) refs.set(name, sha);
  }
  return refs;
}

/** Picks the commit a user's ref means: tag, then branch, then a full ref name; HEAD when absent. */
export function pickRef(refs: Map<string, string>, ref: string | undefined): string | undefined {
  if (ref === undefined || ref === 'HEAD') return refs.get('HEAD');
  return refs.get(`refs/tags/${ref}`) ?? refs.get(`refs/heads/${ref}`) ?? (ref.startsWith('refs/') ? refs.get(ref) : undefined);
}

/** Refs to suggest when a name is unknown. */
export function refNames(refs: Map<string, string>): string[] {
  return [...refs.keys()].filter((n) => n.startsWith('refs/tags/') || n.startsWith('refs/heads/')).map((n) => n.replace(/^refs\/(tags|heads)\//, ''));
}

/** git's stderr says the host or repository cannot be reached (as opposed to a missing ref or object). */
export function isUnreachable(stderr: string): boolean {
  return /could not resolve host|connection refused|unable to connect|unable to access|could not read from remote|does not appear to be a git repository|repository .* not found|not a git repository|timed out|no route to host|failed to connect|connection reset|early eof|hung up/i.test(stderr);
}
