import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database';
import { StoreLock } from '../store/store-lock';
import { PeregrineError } from '../common/errors';
import { AdminAccount } from './admin-account';
import { AuthSessionRecord } from '../store/auth.entity';
import { AuthService, basicCredentials } from './auth.service';
import { LoginRateLimiter } from './login-rate-limiter';
import { PasswordHasher } from './password-hasher';
import { SecretGenerator, tokenHash } from './secret-generator';
import { AccountsRepository } from '../store/accounts.repository';

let dir: string;
let dataSource: DataSource;
let now: number;
let auth: AuthService;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'peregrine-auth-'));
  dataSource = await openDatabase({ driver: 'sqlite', path: join(dir, 'peregrine.db'), synchronous: 'NORMAL', busyTimeoutMs: 1000 });
  now = 1_700_000_000_000;
  const lock = new StoreLock();
  const hasher = new PasswordHasher(4);
  const secrets = new SecretGenerator();
  const sessions = new AccountsRepository(dataSource, lock);
  await new AdminAccount(sessions, hasher, secrets, pino({ enabled: false }), () => now).ensure({ username: 'admin', configuredPassword: 'right-password' });
  // The store's own failure log: simultaneous attempts race through it as in the product.
  const limiter = new LoginRateLimiter({ maxFailures: 5, windowMs: 60_000 }, () => now, sessions);
  auth = new AuthService(sessions, hasher, secrets, limiter, { enabled: true, sessionTtlMs: 3_600_000 }, () => now);
});

afterEach(async () => {
  await dataSource.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function failure(run: () => Promise<unknown>): Promise<PeregrineError> {
  try {
    await run();
  } catch (error) {
    return error as PeregrineError;
  }
  throw new Error('expected a failure');
}

describe('AuthService', () => {
  it('signs in with the right password: a token that authenticates until it expires', async () => {
    const session = await auth.login({ username: 'admin', password: 'right-password' }, { address: '127.0.0.1' });
    expect(session.username).toBe('admin');
    expect(session.expiresAt).toBe(now + 3_600_000);
    expect(await auth.authenticate([session.token])).toBe('admin');
    expect(await auth.identify([session.token])).toEqual({ username: 'admin', authEnabled: true });
    now += 3_600_000;
    expect(await auth.authenticate([session.token])).toBeUndefined();
    expect((await failure(() => auth.identify([session.token]))).code).toBe('UNAUTHENTICATED');
  });

  it('keeps only the token’s hash in the database', async () => {
    const session = await auth.login({ username: 'admin', password: 'right-password' }, { address: '127.0.0.1' });
    const rows = await dataSource.getRepository(AuthSessionRecord).find();
    expect(rows.map((row) => row.tokenHash)).toEqual([tokenHash(session.token)]);
    expect(JSON.stringify(rows)).not.toContain(session.token);
  });

  it('answers the same coded error for a wrong password and an unknown user', async () => {
    expect((await failure(() => auth.login({ username: 'admin', password: 'wrong' }, { address: '127.0.0.1' }))).code).toBe('INVALID_CREDENTIALS');
    const unknown = await failure(() => auth.login({ username: 'root', password: 'right-password' }, { address: '127.0.0.1' }));
    expect(unknown.code).toBe('INVALID_CREDENTIALS');
    expect(unknown.message).toBe('wrong username or password');
  });

  it('refuses a client after five failures within a minute, even with the right password', async () => {
    for (let i = 0; i < 5; i++) await failure(() => auth.login({ username: 'admin', password: `wrong-${i}` }, { address: '10.1.1.1' }));
    const refused = await failure(() => auth.login({ username: 'admin', password: 'right-password' }, { address: '10.1.1.1' }));
    expect(refused.code).toBe('TOO_MANY_ATTEMPTS');
    expect(refused.retryAfterSeconds).toBe(60);
    expect((await auth.login({ username: 'admin', password: 'right-password' }, { address: '10.1.1.2' })).username).toBe('admin');
    now += 61_000;
    expect((await auth.login({ username: 'admin', password: 'right-password' }, { address: '10.1.1.1' })).username).toBe('admin');
  });

  it('counts failures per address and username: guesses at another name do not lock the admin out', async () => {
    for (let i = 0; i < 5; i++) await failure(() => auth.login({ username: 'operator', password: `wrong-${i}` }, { address: '10.4.4.4' }));
    expect((await failure(() => auth.login({ username: 'operator', password: 'x' }, { address: '10.4.4.4' }))).code).toBe('TOO_MANY_ATTEMPTS');
    expect((await auth.login({ username: 'admin', password: 'right-password' }, { address: '10.4.4.4' })).username).toBe('admin');
  });

  it('lets a browser that signed in before in, while guesses from its shared address are refused', async () => {
    const earlier = await auth.login({ username: 'admin', password: 'right-password' }, { address: '10.5.5.5' });
    for (let i = 0; i < 5; i++) await failure(() => auth.login({ username: 'admin', password: `guess-${i}` }, { address: '10.5.5.5' }));
    expect((await failure(() => auth.login({ username: 'admin', password: 'right-password' }, { address: '10.5.5.5' }))).code).toBe('TOO_MANY_ATTEMPTS');
    expect((await auth.login({ username: 'admin', password: 'right-password' }, { address: '10.5.5.5', deviceToken: earlier.deviceToken })).username).toBe('admin');
    // A forged or foreign device token is no device: it shares the address's budget.
    expect((await failure(() => auth.login({ username: 'admin', password: 'right-password' }, { address: '10.5.5.5', deviceToken: `${earlier.deviceToken.slice(0, -2)}xx` }))).code).toBe('TOO_MANY_ATTEMPTS');
  });

  it('keeps no username in the store, where a password typed into the wrong box would stay', async () => {
    await failure(() => auth.login({ username: 'Right-Password', password: 'x' }, { address: '10.7.7.7' }));
    const rows = await dataSource.query<Array<{ client: string }>>('SELECT client FROM auth_login_failures');
    expect(rows).toHaveLength(1);
    expect(rows[0]?.client).toMatch(/^10\.7\.7\.7 [0-9a-f]{64}$/);
    expect(JSON.stringify(rows).toLowerCase()).not.toContain('right-password');
  });

  it('refuses a burst of simultaneous guesses past the budget (each attempt counts from its start)', async () => {
    const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => failure(() => auth.login({ username: 'admin', password: `burst-${i}` }, { address: '10.6.6.6' }))));
    expect(outcomes.filter((error) => error.code === 'TOO_MANY_ATTEMPTS').length).toBe(7);
    expect(outcomes.filter((error) => error.code === 'INVALID_CREDENTIALS').length).toBe(5);
  });

  it('ends the session on logout', async () => {
    const session = await auth.login({ username: 'admin', password: 'right-password' }, { address: '127.0.0.1' });
    const other = await auth.login({ username: 'admin', password: 'right-password' }, { address: '127.0.0.1' });
    await auth.logout([session.token]);
    expect(await auth.authenticate([session.token])).toBeUndefined();
    expect(await auth.authenticate([other.token])).toBe('admin');
  });

  it('accepts any valid token among several cookies, and nothing for none', async () => {
    const session = await auth.login({ username: 'admin', password: 'right-password' }, { address: '127.0.0.1' });
    expect(await auth.authenticate(['x'.repeat(43), session.token])).toBe('admin');
    expect(await auth.authenticate([])).toBeUndefined();
  });

  it('takes HTTP Basic for scripts: the same password, the same rate limit', async () => {
    const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    expect(await auth.authenticateBasic(basic('admin', 'right-password'), '10.2.2.2')).toBe('admin');
    expect(await auth.authenticateBasic(undefined, '10.2.2.2')).toBeUndefined();
    expect(await auth.authenticateBasic('Bearer abc', '10.2.2.2')).toBeUndefined();
    expect((await failure(() => auth.authenticateBasic(basic('admin', 'wrong'), '10.2.2.2'))).code).toBe('INVALID_CREDENTIALS');
    for (let i = 0; i < 4; i++) await failure(() => auth.authenticateBasic(basic('admin', `wrong-${i}`), '10.2.2.2'));
    expect((await failure(() => auth.authenticateBasic(basic('admin', 'another-guess'), '10.2.2.2'))).code).toBe('TOO_MANY_ATTEMPTS');
    expect((await failure(() => auth.login({ username: 'admin', password: 'right-password' }, { address: '10.2.2.2' }))).code).toBe('TOO_MANY_ATTEMPTS');
  });

  it('remembers a verified Basic header for a minute only', async () => {
    const header = `Basic ${Buffer.from('admin:right-password').toString('base64')}`;
    expect(await auth.authenticateBasic(header, '10.3.3.3')).toBe('admin');
    now += 50_000;
    // While remembered, even a client over its failure budget is answered from memory...
    for (let i = 0; i < 5; i++) await failure(() => auth.login({ username: 'admin', password: 'wrong' }, { address: '10.3.3.3' }));
    expect(await auth.authenticateBasic(header, '10.3.3.3')).toBe('admin');
    // ...and once forgotten, the header is checked again like any sign-in.
    now += 11_000;
    expect((await failure(() => auth.authenticateBasic(header, '10.3.3.3'))).code).toBe('TOO_MANY_ATTEMPTS');
  });

  it('splits Basic credentials at the first colon (passwords may contain colons)', () => {
    expect(basicCredentials(`Basic ${Buffer.from('admin:pa:ss').toString('base64')}`)).toEqual({ username: 'admin', password: 'pa:ss' });
    expect(basicCredentials(`basic ${Buffer.from(':nouser').toString('base64')}`)).toBeUndefined();
    expect(basicCredentials('Basic !!!')).toBeUndefined();
  });

  it('deletes expired sessions when someone signs in', async () => {
    await auth.login({ username: 'admin', password: 'right-password' }, { address: '127.0.0.1' });
    now += 7_200_000;
    await auth.login({ username: 'admin', password: 'right-password' }, { address: '127.0.0.1' });
    expect(await dataSource.getRepository(AuthSessionRecord).count()).toBe(1);
  });
});
