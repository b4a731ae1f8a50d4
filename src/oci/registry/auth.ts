// The auth dance of the distribution API: parse WWW-Authenticate, fetch bearer tokens
// for a scope (anonymously or with credentials), build Authorization headers.
// Secrets stay inside this module's values; nothing here formats them into text.
import type { Credentials } from './credentials.js';
import { RegistryUnreachableError } from './errors.js';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="...",service="...",scope="..."` (several challenges allowed). */
export function parseWwwAuthenticate(header: string): Challenge[] {
  const out: Challenge[] = [];
  let current: Challenge | undefined;
  let i = 0;
  const s = header.trim();
  while (i < s.length) {
    // Try key=value first: a scheme token is never followed by '='.
    const kv = /^([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/.exec(s.slice(i));
    if (kv && current) {
      current.params[kv[1].toLowerCase()] = kv[2] !== undefined ? kv[2].replace(/\\(.)/g, '$1') : kv[3];
      i += kv[0].length;
      continue;
    }
    const scheme = /^([A-Za-z][\w-]*)\s*,?\s*/.exec(s.slice(i));
    if (!scheme) break;
    current = { scheme: scheme[1].toLowerCase(), params: {} };
    out.push(current);
    i += scheme[0].length;
  }
  return out;
}

export function scopeFor(repository: string, actions: string): string {
  return `repository:${repository}:${actions}`;
}

export function basicHeader(c: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

export interface TokenRequest {
  challenge: Challenge;
  scopes: string[];
  credentials?: Credentials;
  registry: string;
  signal?: AbortSignal;
}

export type TokenResult = { ok: true; token: string; expiresAt: number } | { ok: false; status: number };

/** Fetches a bearer token from the challenge's realm (GET, or POST for refresh tokens). */
export async function fetchToken(req: TokenRequest): Promise<TokenResult> {
  const realm = req.challenge.params.realm;
  const url = new URL(realm);
  const service = req.challenge.params.service;
  const c = req.credentials;
  let res: Response;
  try {
    if (c && 'identityToken' in c) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: c.identityToken, client_id: 'kairos-pipe' });
      if (service) form.set('service', service);
      if (req.scopes.length) form.set('scope', req.scopes.join(' '));
      res = await fetch(url, { method: 'POST', body: form, signal: req.signal });
    } else {
      if (service) url.searchParams.set('service', service);
      for (const s of req.scopes) url.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      if (c && 'username' in c) {
        headers.authorization = basicHeader(c);
        url.searchParams.set('account', c.username);
      }
      res = await fetch(url, { headers, signal: req.signal });
    }
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new RegistryUnreachableError(req.registry, url.host, `token service ${url.origin}${url.pathname} failed (${causeCode(e)})`, e);
  }
  if (!res.ok) {
    await res.body?.cancel();
    return { ok: false, status: res.status };
  }
  const body = (await res.json()) as { token?: string; access_token?: string; expires_in?: number; issued_at?: string };
  const token = body.token ?? body.access_token;
  if (!token) return { ok: false, status: 502 };
  // The spec's default lifetime is 60 s; renew a little early.
  const lifetime = Math.max(body.expires_in ?? 60, 60) * 1000;
  return { ok: true, token, expiresAt: Date.now() + lifetime - 10_000 };
}

export function causeCode(e: unknown): string {
  const err = e as { cause?: { code?: string; message?: string }; code?: string; message?: string };
  return err?.cause?.code ?? err?.code ?? err?.cause?.message ?? err?.message ?? String(e);
}
