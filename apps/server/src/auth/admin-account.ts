import { DataSource } from 'typeorm';
import type { StoreLock } from '../store/store-lock';
import type { AppLogger } from '../logging/logger';
import { AuthUserRecord } from '../store/auth.entity';
import type { PasswordHasher } from './password-hasher';
import type { SecretGenerator } from './secret-generator';
import type { SessionStore } from './session-store';

export interface AdminAccountSettings {
  username: string;
  /** From `PEREGRINE_ADMIN_PASSWORD`; empty: keep the stored one, or generate one at first start. */
  configuredPassword: string;
}

export type AdminAccountOutcome = 'created-from-config' | 'updated-from-config' | 'unchanged' | 'generated' | 'existing';

/**
 * The admin account exists before anyone can sign in. There is no default password: either
 * the configuration gives one, or a strong one is generated at the very first start, stored
 * hashed, and printed in the log that one time only (every later start finds the hash).
 */
export class AdminAccount {
  constructor(
    private readonly dataSource: DataSource,
    private readonly lock: StoreLock,
    private readonly hasher: PasswordHasher,
    private readonly secrets: SecretGenerator,
    private readonly sessions: SessionStore,
    private readonly logger: AppLogger,
    private readonly nowMs: () => number,
  ) {}

  async ensure(settings: AdminAccountSettings): Promise<AdminAccountOutcome> {
    const users = this.dataSource.getRepository(AuthUserRecord);
    const existing = await users.findOneBy({ username: settings.username });
    if (settings.configuredPassword !== '') {
      if (existing && (await this.hasher.verify(settings.configuredPassword, existing.passwordHash))) return 'unchanged';
      const passwordHash = await this.hasher.hash(settings.configuredPassword);
      if (existing) {
        await this.lock.run(() => users.update({ username: settings.username }, { passwordHash, updatedAt: this.nowMs() }));
        // Whoever signed in with the old password is signed out.
        await this.sessions.deleteAllOf(settings.username);
        this.logger.info({ code: 'ADMIN_PASSWORD_CHANGED', username: settings.username }, 'admin password set from the configuration; older sessions ended');
        return 'updated-from-config';
      }
      await this.insertIfAbsent(settings.username, passwordHash);
      return 'created-from-config';
    }
    if (existing) return 'existing';

    const password = this.secrets.password();
    const passwordHash = await this.hasher.hash(password);
    // Replicas starting together on one PostgreSQL race here: only the one whose row landed prints.
    const stored = await this.insertIfAbsent(settings.username, passwordHash);
    if (stored !== passwordHash) return 'existing';
    // Never filtered out: without this line nobody could sign in.
    const level = (['warn', 'error', 'fatal'] as const).find((candidate) => this.logger.isLevelEnabled(candidate)) ?? 'fatal';
    this.logger[level](
      { code: 'ADMIN_PASSWORD_GENERATED', username: settings.username },
      `Generated the password of "${settings.username}" for the first sign-in: ${password} — it is shown this once only; ` +
        'set PEREGRINE_ADMIN_PASSWORD to choose another',
    );
    return 'generated';
  }

  /** Inserts unless the user exists; answers the hash now stored. */
  private async insertIfAbsent(username: string, passwordHash: string): Promise<string | undefined> {
    const now = this.nowMs();
    await this.lock.run(() =>
      this.dataSource.createQueryBuilder().insert().into(AuthUserRecord).values({ username, passwordHash, createdAt: now, updatedAt: now }).orIgnore().execute(),
    );
    return (await this.dataSource.getRepository(AuthUserRecord).findOneBy({ username }))?.passwordHash;
  }
}
