import { DataSource, LessThanOrEqual } from 'typeorm';
import type { StoreLock } from '../store/store-lock';
import { AuthSessionRecord } from '../store/auth.entity';

export interface StoredSession {
  username: string;
  expiresAt: number;
}

export interface ValidSession extends StoredSession {
  tokenHash: string;
}

/**
 * Sessions in the database, keyed by token hash. Writes go through the store lock: on SQLite
 * they share one connection with the ingest's batch transactions.
 */
export class SessionStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly lock: StoreLock,
  ) {}

  async save(tokenHash: string, session: StoredSession, createdAt: number): Promise<void> {
    await this.lock.run(() => this.dataSource.getRepository(AuthSessionRecord).insert({ tokenHash, username: session.username, createdAt, expiresAt: session.expiresAt }));
  }

  /** The first of the hashes that names a session still valid at `nowMs`. */
  async findValid(tokenHashes: readonly string[], nowMs: number): Promise<ValidSession | undefined> {
    for (const tokenHash of tokenHashes) {
      const row = await this.dataSource.getRepository(AuthSessionRecord).findOneBy({ tokenHash });
      if (row && row.expiresAt > nowMs) return { tokenHash, username: row.username, expiresAt: row.expiresAt };
    }
    return undefined;
  }

  async delete(tokenHashes: readonly string[]): Promise<void> {
    if (tokenHashes.length === 0) return;
    await this.lock.run(() => this.dataSource.getRepository(AuthSessionRecord).delete([...tokenHashes]));
  }

  /** Every session of a user: their password changed. */
  async deleteAllOf(username: string): Promise<void> {
    await this.lock.run(() => this.dataSource.getRepository(AuthSessionRecord).delete({ username }));
  }

  async deleteExpired(nowMs: number): Promise<void> {
    await this.lock.run(() => this.dataSource.getRepository(AuthSessionRecord).delete({ expiresAt: LessThanOrEqual(nowMs) }));
  }
}
