import { PeregrineError } from '../common/errors';

/**
 * When another process holds SQLite's write lock (an operator's `sqlite3` shell in a write
 * transaction, a backup tool), each write waits the whole busy timeout on the one connection
 * the dashboard's reads share, and the writes queued here wait one after another: measured
 * with a 12 s lock, a dashboard read took 20 s and a sign-in 10–15 s. So once a write has
 * waited the busy timeout in vain, the store counts as locked out: writes fail at once with
 * `STORE_UNAVAILABLE` (503 + Retry-After), and one write per `probeIntervalMs` tries again
 * (the indexer retries every second anyway), under a short busy timeout; the first that
 * succeeds ends it.
 */
export interface LockedOutPolicy {
  /** The error says the wait for another process's lock ran out (SQLite's SQLITE_BUSY). */
  isLockedOut(error: unknown): boolean;
  probeIntervalMs: number;
  /** Told when the store becomes locked out and when it is writable again (to shorten and restore the busy timeout). */
  changed(lockedOut: boolean): Promise<void>;
  nowMs(): number;
}

/**
 * TypeORM's SQLite driver runs everything on one connection, so two transactions that overlap
 * (the ingest batch and the dispatcher's bookkeeping) would nest or interleave on it. Every
 * write to the store goes through this lock, one at a time, in arrival order.
 */
export class StoreLock {
  private tail: Promise<unknown> = Promise.resolve();
  /** Set while another process holds the store's write lock (as far as the last write found). */
  private lockedOut = false;
  private nextProbeAtMs = 0;

  constructor(private readonly policy?: LockedOutPolicy) {}

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(() => this.attempt(work));
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Whether writes currently fail at once because another process holds the store's lock. */
  get isLockedOut(): boolean {
    return this.lockedOut;
  }

  private async attempt<T>(work: () => Promise<T>): Promise<T> {
    const policy = this.policy;
    if (!policy) return work();
    if (this.lockedOut) {
      const now = policy.nowMs();
      if (now < this.nextProbeAtMs) {
        throw new PeregrineError('STORE_UNAVAILABLE', 'the store is locked by another process; retry shortly', Math.max(1, Math.ceil((this.nextProbeAtMs - now) / 1000)));
      }
      // This write is the probe; the others fail at once until it is done and the interval over.
      this.nextProbeAtMs = now + policy.probeIntervalMs;
    }
    let value: T;
    try {
      value = await work();
    } catch (error) {
      if (policy.isLockedOut(error)) {
        this.nextProbeAtMs = policy.nowMs() + policy.probeIntervalMs;
        if (!this.lockedOut) {
          this.lockedOut = true;
          await policy.changed(true).catch(() => undefined);
        }
      }
      throw error;
    }
    if (this.lockedOut) {
      this.lockedOut = false;
      await policy.changed(false).catch(() => undefined);
    }
    return value;
  }
}
