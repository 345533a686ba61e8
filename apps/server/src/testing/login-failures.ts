import type { LoginFailureLog } from '../auth/login-rate-limiter';

/** Failed sign-ins held in memory, for unit tests of what counts them (the product keeps them in the store). */
export class InMemoryLoginFailures implements LoginFailureLog {
  private readonly failures = new Map<string, number[]>();

  async failuresSince(client: string, sinceMs: number): Promise<number[]> {
    return (this.failures.get(client) ?? []).filter((at) => at > sinceMs);
  }

  async recordFailure(client: string, atMs: number, forgetBeforeMs: number): Promise<void> {
    for (const [key, times] of this.failures) this.failures.set(key, times.filter((at) => at >= forgetBeforeMs));
    this.failures.set(client, [...(this.failures.get(client) ?? []), atMs]);
  }

  async admitAttempt(client: string, atMs: number, sinceMs: number, maxFailures: number): Promise<number[] | undefined> {
    const recent = await this.failuresSince(client, sinceMs);
    if (recent.length >= maxFailures) return recent;
    await this.recordFailure(client, atMs, sinceMs);
    return undefined;
  }

  async forgetFailures(client: string): Promise<void> {
    this.failures.delete(client);
  }
}
