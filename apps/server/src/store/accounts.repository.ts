import { DataSource, LessThanOrEqual } from 'typeorm';
import { AuthSessionRecord, AuthUserRecord } from './auth.entity';
import type { LoginFailureLog } from '../auth/login-rate-limiter';
import { inSqliteTransaction } from './database';
import type { StoreLock } from './store-lock';

export interface StoredSession {
  username: string;
  expiresAt: number;
}

export interface ValidSession extends StoredSession {
  tokenHash: string;
}

/**
 * Every statement on the sign-in tables (`auth_users`, `auth_sessions`, `auth_login_failures`),
 * for both dialects.
 * Sessions are keyed by token hash. Writes go through the store lock: on SQLite they share one
 * connection with the indexer's and the dispatcher's transactions.
 */
export class AccountsRepository implements LoginFailureLog {
  private readonly postgres: boolean;

  constructor(
    private readonly dataSource: DataSource,
    private readonly lock: StoreLock,
  ) {
    this.postgres = dataSource.options.type === 'postgres';
  }

  /** When a client failed to sign in since `sinceMs`, oldest first (shared by every replica). */
  async failuresSince(client: string, sinceMs: number): Promise<number[]> {
    const rows = await this.dataSource.query<Array<{ failed_at: number | string }>>(
      `SELECT failed_at FROM auth_login_failures WHERE client = ${this.postgres ? '$1' : '?'} AND failed_at > ${this.postgres ? '$2' : '?'} ORDER BY failed_at`,
      [client, sinceMs],
    );
    return rows.map((row) => Number(row.failed_at));
  }

  async recordFailure(client: string, atMs: number, forgetBeforeMs: number): Promise<void> {
    const p = (n: number): string => (this.postgres ? `$${n}` : '?');
    await this.lock.run(async () => {
      await this.dataSource.query(`DELETE FROM auth_login_failures WHERE failed_at < ${p(1)}`, [forgetBeforeMs]);
      await this.dataSource.query(`INSERT INTO auth_login_failures (client, failed_at) VALUES (${p(1)}, ${p(2)})`, [client, atMs]);
    });
  }

  /**
   * Checks and records an attempt in one step (LoginFailureLog.admitAttempt): under the store
   * lock (one process's writes one at a time) and, on PostgreSQL, in a transaction holding an
   * advisory lock on the client, so that replicas take the same client's attempts in turn.
   */
  async admitAttempt(client: string, atMs: number, sinceMs: number, maxFailures: number): Promise<number[] | undefined> {
    const p = (n: number): string => (this.postgres ? `$${n}` : '?');
    const attempt = async (query: (sql: string, parameters: unknown[]) => Promise<Array<{ failed_at: number | string }>>): Promise<number[] | undefined> => {
      const recent = (await query(`SELECT failed_at FROM auth_login_failures WHERE client = ${p(1)} AND failed_at > ${p(2)} ORDER BY failed_at`, [client, sinceMs])).map((row) => Number(row.failed_at));
      if (recent.length >= maxFailures) return recent;
      await query(`DELETE FROM auth_login_failures WHERE failed_at < ${p(1)}`, [sinceMs]);
      await query(`INSERT INTO auth_login_failures (client, failed_at) VALUES (${p(1)}, ${p(2)})`, [client, atMs]);
      return undefined;
    };
    return this.lock.run(() =>
      this.postgres
        ? this.dataSource.transaction(async (manager) => {
            await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`peregrine sign-in ${client}`]);
            return attempt((sql, parameters) => manager.query(sql, parameters));
          })
        : inSqliteTransaction(this.dataSource, () => attempt((sql, parameters) => this.dataSource.query(sql, parameters))),
    );
  }

  async forgetFailures(client: string): Promise<void> {
    await this.lock.run(() => this.dataSource.query(`DELETE FROM auth_login_failures WHERE client = ${this.postgres ? '$1' : '?'}`, [client]));
  }

  /** The stored password hash of a user, if the user exists. */
  async passwordHashOf(username: string): Promise<string | undefined> {
    return (await this.dataSource.getRepository(AuthUserRecord).findOneBy({ username }))?.passwordHash;
  }

  /** Inserts the user unless one of that name exists (replicas may race); answers the hash now stored. */
  async insertUserIfAbsent(username: string, passwordHash: string, nowMs: number): Promise<string | undefined> {
    await this.lock.run(() => this.dataSource.createQueryBuilder().insert().into(AuthUserRecord).values({ username, passwordHash, createdAt: nowMs, updatedAt: nowMs }).orIgnore().execute());
    return this.passwordHashOf(username);
  }

  async setPassword(username: string, passwordHash: string, nowMs: number): Promise<void> {
    await this.lock.run(() => this.dataSource.getRepository(AuthUserRecord).update({ username }, { passwordHash, updatedAt: nowMs }));
  }

  async saveSession(tokenHash: string, session: StoredSession, createdAt: number): Promise<void> {
    await this.lock.run(() => this.dataSource.getRepository(AuthSessionRecord).insert({ tokenHash, username: session.username, createdAt, expiresAt: session.expiresAt }));
  }

  /** The first of the hashes that names a session still valid at `nowMs`. */
  async findValidSession(tokenHashes: readonly string[], nowMs: number): Promise<ValidSession | undefined> {
    for (const tokenHash of tokenHashes) {
      const row = await this.dataSource.getRepository(AuthSessionRecord).findOneBy({ tokenHash });
      if (row && row.expiresAt > nowMs) return { tokenHash, username: row.username, expiresAt: row.expiresAt };
    }
    return undefined;
  }

  async deleteSessions(tokenHashes: readonly string[]): Promise<void> {
    if (tokenHashes.length === 0) return;
    await this.lock.run(() => this.dataSource.getRepository(AuthSessionRecord).delete([...tokenHashes]));
  }

  /** Every session of a user: their password changed. */
  async deleteSessionsOf(username: string): Promise<void> {
    await this.lock.run(() => this.dataSource.getRepository(AuthSessionRecord).delete({ username }));
  }

  async deleteExpiredSessions(nowMs: number): Promise<void> {
    await this.lock.run(() => this.dataSource.getRepository(AuthSessionRecord).delete({ expiresAt: LessThanOrEqual(nowMs) }));
  }
}
