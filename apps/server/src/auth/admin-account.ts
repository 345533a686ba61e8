import type { AppLogger } from '../logging/logger';
import type { AccountsRepository } from '../store/accounts.repository';
import type { PasswordHasher } from './password-hasher';
import type { SecretGenerator } from './secret-generator';

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
    private readonly accounts: AccountsRepository,
    private readonly hasher: PasswordHasher,
    private readonly secrets: SecretGenerator,
    private readonly logger: AppLogger,
    private readonly nowMs: () => number,
  ) {}

  async ensure(settings: AdminAccountSettings): Promise<AdminAccountOutcome> {
    const existing = await this.accounts.passwordHashOf(settings.username);
    if (settings.configuredPassword !== '') {
      if (existing !== undefined && (await this.hasher.verify(settings.configuredPassword, existing))) return 'unchanged';
      const passwordHash = await this.hasher.hash(settings.configuredPassword);
      if (existing !== undefined) {
        await this.accounts.setPassword(settings.username, passwordHash, this.nowMs());
        // Whoever signed in with the old password is signed out.
        await this.accounts.deleteSessionsOf(settings.username);
        this.logger.info({ code: 'ADMIN_PASSWORD_CHANGED', username: settings.username }, 'admin password set from the configuration; older sessions ended');
        return 'updated-from-config';
      }
      await this.accounts.insertUserIfAbsent(settings.username, passwordHash, this.nowMs());
      return 'created-from-config';
    }
    if (existing !== undefined) return 'existing';

    const password = this.secrets.password();
    const passwordHash = await this.hasher.hash(password);
    // Replicas starting together on one PostgreSQL race here: only the one whose row landed prints.
    const stored = await this.accounts.insertUserIfAbsent(settings.username, passwordHash, this.nowMs());
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

}
