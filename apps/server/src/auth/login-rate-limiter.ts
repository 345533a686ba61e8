import { PeregrineError } from '../common/errors';

export interface LoginRateLimit {
  /** Failures allowed per client within the window; the next attempt is refused. */
  maxFailures: number;
  windowMs: number;
}

/**
 * Where failed sign-ins are remembered: the store (AccountsRepository, table
 * `auth_login_failures`), so that every replica of a PostgreSQL store counts the same failures.
 */
export interface LoginFailureLog {
  /** When the client failed since `sinceMs`, oldest first. */
  failuresSince(client: string, sinceMs: number): Promise<number[]>;
  /** Records a failure at `atMs`, and forgets every client's failures before `forgetBeforeMs`. */
  recordFailure(client: string, atMs: number, forgetBeforeMs: number): Promise<void>;
  /** Forgets the client's failures (it signed in). */
  forgetFailures(client: string): Promise<void>;
}

/**
 * Failed sign-ins per client address in a sliding window, kept in the store: an attacker
 * spreading attempts over several replicas gets the budget of one.
 */
export class LoginRateLimiter {
  constructor(
    private readonly limit: LoginRateLimit,
    private readonly nowMs: () => number,
    private readonly log: LoginFailureLog,
  ) {}

  /** Rejects with `TOO_MANY_ATTEMPTS` (429, with Retry-After) while the client is over its budget. */
  async assertAllowed(client: string): Promise<void> {
    const recent = await this.log.failuresSince(client, this.nowMs() - this.limit.windowMs);
    if (recent.length < this.limit.maxFailures) return;
    const oldest = recent[recent.length - this.limit.maxFailures] ?? this.nowMs();
    const retryAfterSeconds = Math.max(1, Math.ceil((oldest + this.limit.windowMs - this.nowMs()) / 1000));
    throw new PeregrineError('TOO_MANY_ATTEMPTS', `too many failed sign-ins; try again in ${retryAfterSeconds} s`, retryAfterSeconds);
  }

  async recordFailure(client: string): Promise<void> {
    const now = this.nowMs();
    await this.log.recordFailure(client, now, now - this.limit.windowMs);
  }

  /** A successful sign-in clears the client's failures. */
  async recordSuccess(client: string): Promise<void> {
    await this.log.forgetFailures(client);
  }
}
