import { PeregrineError } from '../common/errors';

export interface LoginRateLimit {
  /** Failures allowed per client within the window; the next attempt is refused. */
  maxFailures: number;
  windowMs: number;
}

/** Clients remembered at most; beyond it the oldest are forgotten, so a spray of addresses cannot fill memory. */
const MAX_TRACKED_CLIENTS = 10_000;

/**
 * Failed sign-ins per client address in a sliding window. In memory, per replica: an attacker
 * spreading attempts over N replicas gets N times the budget, still a handful per minute.
 */
export class LoginRateLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit: LoginRateLimit,
    private readonly nowMs: () => number,
  ) {}

  /** Throws `TOO_MANY_ATTEMPTS` (429, with Retry-After) while the client is over its budget. */
  assertAllowed(client: string): void {
    const recent = this.recent(client);
    if (recent.length < this.limit.maxFailures) return;
    const oldest = recent[recent.length - this.limit.maxFailures] ?? this.nowMs();
    const retryAfterSeconds = Math.max(1, Math.ceil((oldest + this.limit.windowMs - this.nowMs()) / 1000));
    throw new PeregrineError('TOO_MANY_ATTEMPTS', `too many failed sign-ins; try again in ${retryAfterSeconds} s`, retryAfterSeconds);
  }

  recordFailure(client: string): void {
    const recent = this.recent(client);
    recent.push(this.nowMs());
    // Re-inserted so the Map's order is least recently failed first.
    this.failures.delete(client);
    this.failures.set(client, recent);
    while (this.failures.size > MAX_TRACKED_CLIENTS) {
      const first = this.failures.keys().next();
      if (first.done) break;
      this.failures.delete(first.value);
    }
  }

  /** A successful sign-in clears the client's failures. */
  recordSuccess(client: string): void {
    this.failures.delete(client);
  }

  private recent(client: string): number[] {
    const since = this.nowMs() - this.limit.windowMs;
    const kept = (this.failures.get(client) ?? []).filter((at) => at > since);
    if (kept.length === 0) this.failures.delete(client);
    else this.failures.set(client, kept);
    return kept;
  }
}
