// A loopback HTTP proxy in front of a test registry: logs every request, injects faults
// (a corrupted blob byte, a connection cut mid-blob) and can demand bearer tokens from
// a token server, which docker-registry cannot do without a PKI.
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { TokenServer } from '../../support/token-server.js';

export interface LoggedRequest {
  method: string;
  path: string;
  range?: string;
  status?: number;
}

export interface ProxyFaults {
  /** Flip one byte in the body of GET .../blobs/<digest>. */
  corruptBlob?: string;
  /** Close the connection after `afterBytes` bytes of GET .../blobs/<digest>, `times` times. */
  cutBlob?: { digest: string; afterBytes: number; times: number };
}

export interface Proxy {
  host: string;
  port: number;
  log: LoggedRequest[];
  faults: ProxyFaults;
  stop(): Promise<void>;
}

function scopeOf(method: string, path: string): { repo: string; action: 'pull' | 'push' } | undefined {
  const m = /^\/v2\/(.+?)\/(manifests|blobs|tags)\//.exec(path);
  if (!m) return undefined;
  return { repo: m[1], action: method === 'GET' || method === 'HEAD' ? 'pull' : 'push' };
}

export async function startProxy(target: { port: number }, opts: { tokens?: TokenServer } = {}): Promise<Proxy> {
  const log: LoggedRequest[] = [];
  const faults: ProxyFaults = {};
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    const entry: LoggedRequest = { method: req.method ?? 'GET', path, ...(req.headers.range ? { range: String(req.headers.range) } : {}) };
    log.push(entry);
    if (opts.tokens && !authorized(opts.tokens, req, path)) {
      const scope = scopeOf(entry.method, path.split('?')[0]);
      const scopeParam = scope ? `,scope="repository:${scope.repo}:${scope.action === 'pull' ? 'pull' : 'pull,push'}"` : '';
      entry.status = 401;
      req.resume();
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${opts.tokens.realm}",service="${opts.tokens.service}"${scopeParam}`, 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    const headers = { ...req.headers };
    if (opts.tokens) delete headers.authorization;
    const up = httpRequest({ host: '127.0.0.1', port: target.port, method: req.method, path, headers }, (upRes) => {
      entry.status = upRes.statusCode;
      const blob = req.method === 'GET' ? /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(path.split('?')[0])?.[1] : undefined;
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      const cut = blob && faults.cutBlob?.digest === blob && faults.cutBlob.times > 0 ? faults.cutBlob : undefined;
      if (cut) cut.times--;
      let sent = 0;
      let flipped = false;
      upRes.on('data', (chunk: Buffer) => {
        if (blob && faults.corruptBlob === blob && !flipped && chunk.length > 0) {
          chunk = Buffer.from(chunk);
          chunk[Math.floor(chunk.length / 2)] ^= 0xff;
          flipped = true;
        }
        if (cut && sent + chunk.length >= cut.afterBytes) {
          res.write(chunk.subarray(0, Math.max(0, cut.afterBytes - sent)));
          upRes.destroy();
          res.socket?.destroy();
          return;
        }
        sent += chunk.length;
        res.write(chunk);
      });
      upRes.on('end', () => res.end());
      upRes.on('error', () => res.destroy());
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    port,
    log,
    faults,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function authorized(tokens: TokenServer, req: IncomingMessage, path: string): boolean {
  const h = req.headers.authorization;
  if (!h?.startsWith('Bearer ')) return false;
  const token = h.slice(7);
  const scope = scopeOf(req.method ?? 'GET', path.split('?')[0]);
  if (!scope) return true;
  return tokens.allows(token, scope.repo, scope.action);
}
