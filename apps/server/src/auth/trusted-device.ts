import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { CookieContext } from './session-cookie';

/**
 * A browser that has signed in as a user before carries a signed "trusted device" cookie for
 * that user. Failed sign-ins from it count against its own budget, not against the address: so
 * someone behind the same proxy (one address for a whole office) who guesses at the admin's
 * password locks out only browsers that never signed in, never the admin's own (OWASP's
 * device cookies). The signature's key derives from the user's stored password hash: a
 * password change revokes every device, and replicas sharing the store agree without a secret
 * of their own.
 */
export const DEVICE_COOKIE = 'peregrine_device';
const DEVICE_LIFETIME_MS = 365 * 86_400_000;

function signature(username: string, issuedAtMs: number, passwordHash: string): string {
  const key = createHash('sha256').update(`peregrine trusted device\u0000${passwordHash}`).digest();
  return createHmac('sha256', key).update(`${username}\u0000${issuedAtMs}`).digest('base64url');
}

/** A new device token for a user who has just signed in with this (stored) password hash. */
export function deviceToken(username: string, passwordHash: string, issuedAtMs: number): string {
  return `${Buffer.from(username).toString('base64url')}.${issuedAtMs}.${signature(username, issuedAtMs, passwordHash)}`;
}

/** The device's id (its signature) when the token is valid for this user and hash and not expired; else undefined. */
export function trustedDeviceId(token: string | undefined, username: string, passwordHash: string | undefined, nowMs: number): string | undefined {
  if (token === undefined || passwordHash === undefined) return undefined;
  const [encodedUser, issued, mac] = token.split('.');
  if (encodedUser === undefined || issued === undefined || mac === undefined || !/^\d{1,15}$/.test(issued)) return undefined;
  if (Buffer.from(encodedUser, 'base64url').toString() !== username) return undefined;
  const issuedAtMs = Number(issued);
  if (issuedAtMs > nowMs + 60_000 || nowMs - issuedAtMs > DEVICE_LIFETIME_MS) return undefined;
  const expected = Buffer.from(signature(username, issuedAtMs, passwordHash));
  const given = Buffer.from(mac);
  return expected.length === given.length && timingSafeEqual(expected, given) ? mac : undefined;
}

/** The device token in a Cookie header, if any. */
export function deviceTokenOf(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    if (equals > 0 && pair.slice(0, equals).trim() === DEVICE_COOKIE) {
      const value = pair.slice(equals + 1).trim();
      if (/^[A-Za-z0-9_-]{1,400}\.\d{1,15}\.[A-Za-z0-9_-]{43}$/.test(value)) return value;
    }
  }
  return undefined;
}

/** Set-Cookie for the device token: a year, HttpOnly, sent only by this site's own pages. */
export function deviceCookie(token: string, context: CookieContext): string {
  return [`${DEVICE_COOKIE}=${token}`, `Path=${context.path || '/'}`, `Max-Age=${DEVICE_LIFETIME_MS / 1000}`, 'HttpOnly', 'SameSite=Strict', ...(context.secure ? ['Secure'] : [])].join('; ');
}
