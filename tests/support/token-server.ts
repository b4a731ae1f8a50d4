// A small bearer-token server for auth tests (the distribution token protocol:
// GET realm?service=&scope=, Basic credentials, JSON {token, expires_in}). In-process,
// loopback only; tokens are random and remembered with the scopes they grant.
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';

export interface TokenServer {
  /** The realm URL to put in WWW-Authenticate. */
  realm: string;
  service: string;
  port: number;
  /** Requests seen, without secrets: account and scopes only. */
  requests: Array<{ account?: string; scopes: string[]; granted: boolean }>;
  /** True when `token` grants `action` on `repository`. */
  allows(token: string, repository: string, action: 'pull' | 'push'): boolean;
  stop(): Promise<void>;
}

export interface TokenServerOptions {
  users: Record<string, string>;
  service?: string;
  /** Grant pull to anonymous requests (like public repositories). */
  anonymousPull?: boolean;
}

export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const service = opts.service ?? 'kairos-test-registry';
  const tokens = new Map<string, Set<string>>();
  const requests: TokenServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
    let user: string | undefined;
    const auth = req.headers.authorization;
    if (auth?.startsWith('Basic ')) {
      const [u, ...rest] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
      if (opts.users[u] === undefined || opts.users[u] !== rest.join(':')) {
        requests.push({ account: u, scopes, granted: false });
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
        return;
      }
      user = u;
    }
    const granted = new Set<string>();
    for (const s of scopes) {
      const [type, repo, actions] = s.split(':');
      if (type !== 'repository' || !repo || !actions) continue;
      for (const a of actions.split(',')) if (user || (opts.anonymousPull && a === 'pull')) granted.add(`${repo}:${a}`);
    }
    const token = randomBytes(16).toString('hex');
    tokens.set(token, granted);
    requests.push({ account: user, scopes, granted: granted.size > 0 });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    port,
    requests,
    allows: (token, repository, action) => tokens.get(token)?.has(`${repository}:${action}`) ?? false,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
