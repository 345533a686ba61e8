import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database';
import { StoreLock } from '../store/store-lock';
import { createLogger } from '../logging/logger';
import { AdminAccount } from './admin-account';
import { AuthUserRecord } from '../store/auth.entity';
import { PasswordHasher } from './password-hasher';
import { SecretGenerator, tokenHash } from './secret-generator';
import { AccountsRepository } from '../store/accounts.repository';

const dirs: string[] = [];
const open: DataSource[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((dataSource) => dataSource.destroy()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** One "start" of the server against the database in `dir`: a fresh connection, logger and account. */
async function start(dir: string) {
  const dataSource = await openDatabase({ driver: 'sqlite', path: join(dir, 'peregrine.db'), synchronous: 'NORMAL', busyTimeoutMs: 1000 });
  open.push(dataSource);
  const lines: string[] = [];
  const logger = createLogger('info', new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString('utf8')), done()) }));
  const lock = new StoreLock();
  const hasher = new PasswordHasher(4);
  const sessions = new AccountsRepository(dataSource, lock);
  const account = new AdminAccount(sessions, hasher, new SecretGenerator(), logger, () => 1_700_000_000_000);
  const storedHash = async (): Promise<string | undefined> => (await dataSource.getRepository(AuthUserRecord).findOneBy({ username: 'admin' }))?.passwordHash;
  return { dataSource, account, hasher, sessions, log: () => lines.join(''), storedHash };
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-auth-'));
  dirs.push(dir);
  return dir;
}

describe('AdminAccount', () => {
  it('generates a password at the first start, stores only its hash, and prints it that once', async () => {
    const dir = tempDir();
    const first = await start(dir);
    expect(await first.account.ensure({ username: 'admin', configuredPassword: '' })).toBe('generated');
    const printed = /Generated the password of \\"admin\\" for the first sign-in: ([A-Za-z0-9]{24}) /.exec(first.log())?.[1];
    expect(printed).toBeDefined();
    const hash = await first.storedHash();
    expect(hash).not.toContain(printed);
    expect(await first.hasher.verify(printed ?? '', hash ?? '')).toBe(true);
    await first.dataSource.destroy();
    open.splice(open.indexOf(first.dataSource), 1);

    const second = await start(dir);
    expect(await second.account.ensure({ username: 'admin', configuredPassword: '' })).toBe('existing');
    expect(second.log()).not.toContain(printed);
    expect(second.log()).not.toContain('Generated the password');
    expect(await second.storedHash()).toBe(hash);
  });

  it('prints the generated password even when the log level hides warnings', async () => {
    const dir = tempDir();
    const dataSource = await openDatabase({ driver: 'sqlite', path: join(dir, 'peregrine.db'), synchronous: 'NORMAL', busyTimeoutMs: 1000 });
    open.push(dataSource);
    const lines: string[] = [];
    const logger = createLogger('error', new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString('utf8')), done()) }));
    const lock = new StoreLock();
    const account = new AdminAccount(new AccountsRepository(dataSource, lock), new PasswordHasher(4), new SecretGenerator(), logger, () => 0);
    await account.ensure({ username: 'admin', configuredPassword: '' });
    expect(lines.join('')).toMatch(/first sign-in: [A-Za-z0-9]{24} /);
  });

  it('takes the configured password, never logs it, and keeps the hash while it does not change', async () => {
    const dir = tempDir();
    const first = await start(dir);
    expect(await first.account.ensure({ username: 'admin', configuredPassword: 'from-env-Pa55' })).toBe('created-from-config');
    const hash = await first.storedHash();
    expect(await first.hasher.verify('from-env-Pa55', hash ?? '')).toBe(true);
    expect(await first.account.ensure({ username: 'admin', configuredPassword: 'from-env-Pa55' })).toBe('unchanged');
    expect(await first.storedHash()).toBe(hash);
    expect(first.log()).not.toContain('from-env-Pa55');
    expect(first.log()).not.toContain('Generated the password');
  });

  it('replaces the password when the configured one changes, and ends the sessions of the old one', async () => {
    const dir = tempDir();
    const run = await start(dir);
    await run.account.ensure({ username: 'admin', configuredPassword: 'old-password' });
    await run.sessions.saveSession(tokenHash('t'.repeat(43)), { username: 'admin', expiresAt: 2_000_000_000_000 }, 1_700_000_000_000);
    expect(await run.account.ensure({ username: 'admin', configuredPassword: 'new-password' })).toBe('updated-from-config');
    expect(await run.hasher.verify('new-password', (await run.storedHash()) ?? '')).toBe(true);
    expect(await run.sessions.findValidSession([tokenHash('t'.repeat(43))], 1_700_000_000_000)).toBeUndefined();
    expect(run.log()).not.toContain('new-password');
    expect(run.log()).not.toContain('old-password');
  });

  it('keeps a generated password when restarted without one configured', async () => {
    const dir = tempDir();
    const run = await start(dir);
    await run.account.ensure({ username: 'admin', configuredPassword: 'chosen' });
    expect(await run.account.ensure({ username: 'admin', configuredPassword: '' })).toBe('existing');
    expect(await run.hasher.verify('chosen', (await run.storedHash()) ?? '')).toBe(true);
  });
});
