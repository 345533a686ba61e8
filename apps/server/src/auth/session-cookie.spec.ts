import { describe, expect, it } from 'vitest';
import { cameOverTls, clearedSessionCookie, sessionCookie, sessionTokensOf } from './session-cookie';

const token = 'A'.repeat(43);
const other = 'b'.repeat(43);

describe('session cookie', () => {
  it('reads every session token of the Cookie header, ignoring other cookies and malformed values', () => {
    expect(sessionTokensOf({ cookie: `theme=dark; peregrine_session=${token}; peregrine_session=${other}; peregrine_session=<script>` })).toEqual([token, other]);
    expect(sessionTokensOf({})).toEqual([]);
    expect(sessionTokensOf({ cookie: 'peregrine_session=' })).toEqual([]);
  });

  it('reads at most four tokens', () => {
    const many = Array.from({ length: 10 }, (_, i) => `peregrine_session=${String(i).repeat(20)}`).join('; ');
    expect(sessionTokensOf({ cookie: many })).toHaveLength(4);
  });

  it('is HttpOnly, SameSite=Lax, scoped to the base path, Secure only behind TLS', () => {
    expect(sessionCookie(token, 43_200, { path: '/peregrine', secure: false })).toBe(`peregrine_session=${token}; Path=/peregrine; Max-Age=43200; HttpOnly; SameSite=Lax`);
    expect(sessionCookie(token, 60, { path: '/', secure: true })).toBe(`peregrine_session=${token}; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure`);
  });

  it('clears with an expired, empty cookie on the same path', () => {
    expect(clearedSessionCookie({ path: '/', secure: false })).toBe('peregrine_session=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax');
  });

  it('knows TLS from the connection or the first X-Forwarded-Proto', () => {
    expect(cameOverTls({ protocol: 'https', headers: {} })).toBe(true);
    expect(cameOverTls({ protocol: 'http', headers: { 'x-forwarded-proto': 'https' } })).toBe(true);
    expect(cameOverTls({ protocol: 'http', headers: { 'x-forwarded-proto': 'HTTPS, http' } })).toBe(true);
    expect(cameOverTls({ protocol: 'http', headers: { 'x-forwarded-proto': 'http' } })).toBe(false);
    expect(cameOverTls({ protocol: 'http', headers: {} })).toBe(false);
  });
});
