// One registry endpoint's HTTP session: auth state (challenge, credentials, tokens per
// scope), retries with backoff on transient failures, and mapping of network and auth
// failures to typed errors. Knows nothing of manifests or blobs.
import type { Readable } from 'node:stream';
import { parseWwwAuthenticate, fetchToken, basicHeader, scopeFor, causeCode, type Challenge } from './auth.js';
import { findCredentials, type FoundCredentials } from './credentials.js';
import { resolveEndpoint, type Endpoint } from './endpoint.js';
import { RegistryAuthError, RegistryHttpError, RegistryUnreachableError } from './errors.js';
import type { RegistryOptions } from './options.js';

export interface RequestSpec {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** A path under the endpoint (`/v2/...`) or an absolute URL (an upload Location). */
  url: string;
  repository: string;
  /** Scope wanted on `repository`. */
  actions: 'pull' | 'pull,push';
  /** Other repositories read in the same request (cross-repository mount). */
  alsoPull?: string[];
  headers?: Record<string, string>;
  /** A factory for streams so the body can be sent again after an auth challenge or a retry. */
  body?: Buffer | string | (() => Readable);
  /** Retry on connection errors, 5xx and 429 (default: GET and HEAD only). */
  idempotent?: boolean;
}

const TRANSIENT = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'ETIMEDOUT']);

export function isTransient(e: unknown): boolean {
  if ((e as Error)?.name === 'AbortError') return false;
  const code = causeCode(e);
  return TRANSIENT.has(code) || /terminated|other side closed|socket/i.test(code);
}

export class RegistryClient {
  readonly endpoint: Endpoint;
  private challenge?: Challenge;
  private found?: Promise<FoundCredentials>;
  private tokens = new Map<string, Promise<{ token: string; expiresAt: number }>>();

  constructor(
    readonly registry: string,
    readonly opts: RegistryOptions,
    readonly forPush = false,
  ) {
    this.endpoint = resolveEndpoint(registry, opts, forPush);
  }

  get retries(): number {
    return this.opts.retries ?? 4;
  }

  /** Sleeps the backoff for `attempt` (0-based), honouring Retry-After when given. */
  async backoff(attempt: number, retryAfter?: string | null): Promise<void> {
    const base = this.opts.retryDelayMs ?? 200;
    const ra = retryAfter ? Number(retryAfter) * 1000 : NaN;
    const ms = Number.isFinite(ra) ? Math.min(ra, 30_000) : base * 2 ** attempt;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, ms);
      this.opts.signal?.addEventListener('abort', () => (clearTimeout(t), reject(this.opts.signal?.reason)), { once: true });
    });
  }

  url(pathOrUrl: string): string {
    return /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${this.endpoint.baseUrl}${pathOrUrl}`;
  }

  /** Sends a request, answering auth challenges once and retrying transient failures. */
  async request(spec: RequestSpec): Promise<Response> {
    const idempotent = spec.idempotent ?? (spec.method === 'GET' || spec.method === 'HEAD');
    const scopes = [scopeFor(spec.repository, spec.actions), ...(spec.alsoPull ?? []).map((r) => scopeFor(r, 'pull'))];
    let challenged = false;
    for (let attempt = 0; ; ) {
      const headers: Record<string, string> = { ...spec.headers };
      const authorization = await this.authorization(scopes, spec);
      if (authorization) headers.authorization = authorization;
      const body = typeof spec.body === 'function' ? spec.body() : spec.body;
      let res: Response;
      try {
        res = await fetch(this.url(spec.url), {
          method: spec.method,
          headers,
          body: body as BodyInit | undefined,
          signal: this.opts.signal,
          ...(body && typeof body === 'object' && !Buffer.isBuffer(body) ? { duplex: 'half' } : {}),
        } as RequestInit);
      } catch (e) {
        if ((e as Error).name === 'AbortError' || this.opts.signal?.aborted) throw e;
        if (idempotent && isTransient(e) && attempt < this.retries) {
          await this.backoff(attempt++);
          continue;
        }
        throw new RegistryUnreachableError(this.registry, this.endpoint.host, `${spec.method} failed (${causeCode(e)})`, e);
      }
      if (res.status === 401 && !challenged) {
        challenged = true;
        await res.body?.cancel();
        const header = res.headers.get('www-authenticate');
        const chosen = header ? pickChallenge(parseWwwAuthenticate(header)) : undefined;
        if (!chosen) throw await this.authError(401, spec);
        this.challenge = chosen;
        this.tokens.clear();
        continue;
      }
      if (res.status === 401 || res.status === 403) {
        await res.body?.cancel();
        throw await this.authError(res.status, spec);
      }
      if ((res.status === 429 || res.status >= 500) && idempotent && attempt < this.retries) {
        await res.body?.cancel();
        await this.backoff(attempt++, res.headers.get('retry-after'));
        continue;
      }
      return res;
    }
  }

  /** Turns an unexpected status into an error naming the registry, with the registry's own error codes. */
  async httpError(res: Response, spec: Pick<RequestSpec, 'method' | 'url'>): Promise<RegistryHttpError> {
    const detail = await registryErrorDetail(res);
    const path = spec.url.replace(/^https?:\/\/[^/]+/, '').replace(/\?.*$/, '');
    return new RegistryHttpError(this.registry, spec.method, path, res.status, detail);
  }

  private credentials(): Promise<FoundCredentials> {
    this.found ??= findCredentials(this.registry, this.opts);
    return this.found;
  }

  private async authorization(scopes: string[], spec: RequestSpec): Promise<string | undefined> {
    const ch = this.challenge;
    if (!ch) return undefined;
    const { credentials } = await this.credentials();
    if (credentials && 'registryToken' in credentials) return `Bearer ${credentials.registryToken}`;
    if (ch.scheme === 'basic') return credentials && 'username' in credentials ? basicHeader(credentials) : undefined;
    const key = scopes.join(' ');
    let pending = this.tokens.get(key);
    const now = Date.now();
    if (pending) {
      const t = await pending.catch(() => undefined);
      if (!t || t.expiresAt <= now) pending = undefined;
    }
    if (!pending) {
      pending = fetchToken({ challenge: ch, scopes, credentials, registry: this.registry, signal: this.opts.signal }).then(async (r) => {
        if (!r.ok) throw await this.authError(r.status === 403 ? 403 : 401, spec);
        return r;
      });
      this.tokens.set(key, pending);
    }
    return `Bearer ${(await pending).token}`;
  }

  private async authError(status: number, spec: RequestSpec): Promise<RegistryAuthError> {
    const { source } = await this.credentials();
    return new RegistryAuthError(this.registry, spec.repository, status, source, spec.actions === 'pull' ? 'pull' : 'push');
  }
}

function pickChallenge(list: Challenge[]): Challenge | undefined {
  return list.find((c) => c.scheme === 'bearer' && c.params.realm) ?? list.find((c) => c.scheme === 'basic');
}

/** `MANIFEST_UNKNOWN: manifest unknown` from the distribution error body, or ''. */
export async function registryErrorDetail(res: Response): Promise<string> {
  if (res.bodyUsed) return '';
  try {
    const text = await res.text();
    const parsed = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
    return (parsed.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
  } catch {
    return '';
  }
}

/** The first distribution error code in a response body (MANIFEST_UNKNOWN, NAME_UNKNOWN, ...). */
export async function registryErrorCode(res: Response): Promise<string | undefined> {
  const d = await registryErrorDetail(res);
  return d ? d.split(':')[0] : undefined;
}
