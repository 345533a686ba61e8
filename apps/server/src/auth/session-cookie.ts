import type { IncomingHttpHeaders } from 'node:http';

export const SESSION_COOKIE = 'peregrine_session';

/** More would only cost database look-ups: a browser sends one per matching path at most. */
const MAX_TOKENS_READ = 4;
const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * Every session token in a Cookie header. Two Peregrines on one host (say `/` and `/peregrine`)
 * both set a cookie of this name; the browser sends both, so all are tried, not just the first.
 */
export function sessionTokensOf(headers: IncomingHttpHeaders): string[] {
  const header = headers.cookie;
  if (typeof header !== 'string' || header === '') return [];
  const tokens: string[] = [];
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    if (equals < 0 || pair.slice(0, equals).trim() !== SESSION_COOKIE) continue;
    const value = pair.slice(equals + 1).trim();
    if (TOKEN.test(value) && !tokens.includes(value)) tokens.push(value);
    if (tokens.length === MAX_TOKENS_READ) break;
  }
  return tokens;
}

export interface CookieContext {
  /** The base path: the cookie goes only to this Peregrine's pages. */
  path: string;
  /** The request came over TLS (directly or per `X-Forwarded-Proto`). */
  secure: boolean;
}

/** Set-Cookie for a new session: HttpOnly (no script reads it), SameSite=Lax, Secure behind TLS. */
export function sessionCookie(token: string, maxAgeSeconds: number, context: CookieContext): string {
  return [`${SESSION_COOKIE}=${token}`, `Path=${context.path || '/'}`, `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`, 'HttpOnly', 'SameSite=Lax', ...(context.secure ? ['Secure'] : [])].join('; ');
}

/** Set-Cookie that removes the session cookie. */
export function clearedSessionCookie(context: CookieContext): string {
  return sessionCookie('', 0, context).replace('Max-Age=0', 'Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT');
}

/** TLS to us, or to the proxy in front of us (the first hop's `X-Forwarded-Proto`). */
export function cameOverTls(request: { protocol?: string; headers: IncomingHttpHeaders }): boolean {
  if (request.protocol === 'https') return true;
  const forwarded = request.headers['x-forwarded-proto'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}
