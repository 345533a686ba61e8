import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database';
import { StoreLock } from '../store/store-lock';
import { createLogger } from '../logging/logger';
import { AdminAccount } from './admin-account';
import { PasswordHasher } from './password-hasher';
import { SecretGenerator } from './secret-generator';
import { AccountsRepository } from '../store/accounts.repository';
import { startPostgres, type TestPostgres } from '../testing/postgres';
import { signIn, startTestServer, type TestServer } from '../testing/test-server';

const generatedPassword = (server: TestServer): string | undefined =>
  server
    .logLines()
    .map((line) => /first sign-in: ([A-Za-z0-9]{24}) /.exec(String(line['msg']))?.[1])
    .find((password) => password !== undefined);

// Two replicas on one PostgreSQL (Debian's, started by the test): one admin account, one
// password printed once, sessions that work on either replica.
describe('sign-in on PostgreSQL, shared by replicas', () => {
  let postgres: TestPostgres;
  let replicas: TestServer[] = [];

  beforeAll(async () => {
    postgres = await startPostgres();
    const env = { PEREGRINE_DB_DRIVER: 'postgres', PEREGRINE_DB_URL: postgres.url, PEREGRINE_AUTH_ENABLED: 'true' };
    // The first start migrates (schema migrations are not meant to run concurrently); the next two find the account.
    replicas = [await startTestServer(env)];
    replicas.push(...(await Promise.all([startTestServer(env), startTestServer(env)])));
  }, 90_000);

  afterAll(async () => {
    for (const replica of replicas) await replica.stop();
    await postgres?.stop();
  });

  it('generates the admin password once: only the first replica prints it', () => {
    const printed = replicas.map(generatedPassword);
    expect(printed[0]).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(printed.slice(1)).toEqual([undefined, undefined]);
  });

  it('shares sessions: signed in on one replica, signed in on all; signed out on one, out on all', async () => {
    const [a, b, c] = replicas;
    if (!a || !b || !c) throw new Error('three replicas expected');
    const cookie = await signIn(b.mainUrl, generatedPassword(a) ?? '');
    for (const replica of [a, b, c]) {
      const me = await fetch(`${replica.mainUrl}/api/v1/auth/me`, { headers: { cookie } });
      expect(await me.json()).toEqual({ username: 'admin', authEnabled: true });
    }
    expect((await fetch(`${c.mainUrl}/api/v1/auth/logout`, { method: 'POST', headers: { cookie } })).status).toBe(204);
    for (const replica of [a, b, c]) expect((await fetch(`${replica.mainUrl}/api/v1/alerts`, { headers: { cookie } })).status).toBe(401);
  });

  it('when replicas create the same account at the same moment, exactly one generates (and prints) its password', async () => {
    const sources = await Promise.all([openDatabase({ driver: 'postgres', url: postgres.url }), openDatabase({ driver: 'postgres', url: postgres.url })]);
    try {
      const logs: string[] = [];
      const outcomes = await Promise.all(
        sources.map((dataSource) => {
          const lock = new StoreLock();
          const logger = createLogger('info', new Writable({ write: (chunk: Buffer, _encoding, done) => (logs.push(chunk.toString('utf8')), done()) }));
          return new AdminAccount(new AccountsRepository(dataSource, lock), new PasswordHasher(4), new SecretGenerator(), logger, () => Date.now()).ensure({
            username: 'racer',
            configuredPassword: '',
          });
        }),
      );
      expect(outcomes.sort()).toEqual(['existing', 'generated']);
      expect(logs.filter((line) => line.includes('first sign-in'))).toHaveLength(1);
    } finally {
      await Promise.all(sources.map((dataSource) => dataSource.destroy()));
    }
  });

  it('counts simultaneous guesses spread over the replicas against one budget', async () => {
    const guesses = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const replica = replicas[i % replicas.length] as TestServer;
        const response = await fetch(`${replica.mainUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'spread', password: `guess-${i}` }) });
        return response.status;
      }),
    );
    expect(guesses.filter((status) => status === 401)).toHaveLength(5);
    expect(guesses.filter((status) => status === 429)).toHaveLength(7);
  });

  it('keeps refusing a wrong password with the coded 401', async () => {
    const response = await fetch(`${replicas[0]?.mainUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"admin","password":"nope"}' });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });
});
