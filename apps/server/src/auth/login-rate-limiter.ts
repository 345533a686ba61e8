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
  /**
   * In one step, so that simultaneous attempts see each other: unless the client has
   * `maxFailures` failures since `sinceMs`, records a failure at `atMs` (forgetting every
   * client's failures before `sinceMs`) and answers undefined; otherwise records nothing and
   * answers the client's failures since `sinceMs`, oldest first.
   */
  admitAttempt(client: string, atMs: number, sinceMs: number, maxFailures: number): Promise<number[] | undefined>;
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
    throw this.refusal(recent);
  }

  /** TOO_MANY_ATTEMPTS, retry once the failure that put the client over its budget leaves the window. */
  private refusal(recent: readonly number[]): PeregrineError {
    const oldest = recent[recent.length - this.limit.maxFailures] ?? this.nowMs();
    const retryAfterSeconds = Math.max(1, Math.ceil((oldest + this.limit.windowMs - this.nowMs()) / 1000));
    return new PeregrineError('TOO_MANY_ATTEMPTS', `too many failed sign-ins; try again in ${retryAfterSeconds} s`, retryAfterSeconds);
  }

  /**
   * Counts an attempt as a failure from its start (forgiven by recordSuccess), or rejects with
   * `TOO_MANY_ATTEMPTS` while the client is over its budget. Checking and counting are one step
   * in the store: a check followed by a separate count let twelve simultaneous guesses from one
   * address all be checked (each read the count before any was written).
   */
  async admit(client: string): Promise<void> {
    const now = this.nowMs();
    const recent = await this.log.admitAttempt(client, now, now - this.limit.windowMs, this.limit.maxFailures);
    if (recent !== undefined) throw this.refusal(recent);
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
