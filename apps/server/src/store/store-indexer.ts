import type { AlertsRepository, IndexedBatch } from './alerts.repository';

export interface IndexerSettings {
  /** Entries moved per transaction at most. */
  maxBatch: number;
  /**
   * How long appended alerts may wait to be indexed, so that batches grow under load instead
   * of each alert paying for nine index updates alone. A read never waits for it (caughtUp).
   */
  intervalMs: number;
  /** The most alerts waiting to be indexed, in seconds of indexing work, before appends wait. */
  backlogSeconds: number;
  /**
   * The most alerts waiting to be indexed at all: beyond it appends are refused (503) rather
   * than held, since the indexer is failing, not slow (the main file locked, a full disk), and
   * on SQLite the waiting alerts are also held in memory.
   */
  maxUnindexed: number;
}

/** Below this many alerts waiting, appends never wait (the rate is not known yet at start). */
const MIN_BACKLOG = 2000;

/** The store failed (locked, gone): try again after this long; nothing is lost meanwhile. */
const RETRY_AFTER_FAILURE_MS = 1000;

export interface IndexerObserver {
  indexed(batch: IndexedBatch, seconds: number): void;
  failed(error: unknown): void;
}

/**
 * Fills the alerts table (and its query indexes) and the outbox from the inbox, in the
 * background and in large batches, so the acknowledgement path pays for one narrow append only.
 * Reads call `caughtUp()` first: whatever was acknowledged before a read began is in its answer.
 */
export class StoreIndexer {
  /** Alerts appended by this process so far. */
  private appendedCount = 0;
  /** `appendedCount` as it stood when the last pass that emptied the inbox began. */
  private indexedCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> | undefined;
  private again = false;
  /** A waiter wants the next pass now. */
  private urgent = false;
  private failed = false;
  private stopped = false;
  private readonly waiters: Array<{ target: number; resolve: () => void }> = [];
  /** Alerts this process appended and has not moved out of the inbox yet. */
  private unindexed = 0;
  /** Entries moved per second of indexing (moving average): what the backlog is measured in. */
  private rowsPerSecond = 0;
  private readonly roomWaiters: Array<() => void> = [];
  private readonly listeners: Array<(deliveries: ReadonlyMap<string, number>) => void> = [];

  constructor(
    private readonly alerts: AlertsRepository,
    private readonly clock: { nowMs(): number; monotonicSeconds(): number },
    private readonly settings: IndexerSettings,
    private readonly observer: IndexerObserver,
  ) {}

  /** Deliveries were queued (per output): the dispatcher can look now. */
  onDeliveriesQueued(listener: (deliveries: ReadonlyMap<string, number>) => void): void {
    this.listeners.push(listener);
  }

  /** Alerts were acknowledged: index them within the interval. */
  appended(count: number): void {
    this.appendedCount += count;
    this.unindexed += count;
    this.schedule(this.settings.intervalMs);
  }

  /** Resolves once everything appended before the call is indexed (or after `timeoutMs` regardless). */
  caughtUp(timeoutMs = 1000): Promise<void> {
    if (this.indexedCount >= this.appendedCount || this.stopped) return Promise.resolve();
    const target = this.appendedCount;
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const waiter = { target, resolve: done };
      this.waiters.push(waiter);
      this.schedule(0);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  /**
   * Backpressure: resolves with true at once while the alerts waiting to be indexed are at
   * most `backlogSeconds` of indexing work, else once they are again; after `timeoutMs` it
   * resolves anyway. It resolves with false (the append must be refused) while `maxUnindexed`
   * are waiting. Senders are slowed to the indexing speed instead of the inbox, and the age of
   * what reads see, growing without bound.
   */
  roomForAppend(timeoutMs = 5000): Promise<boolean> {
    if (this.stopped) return Promise.resolve(true);
    if (this.unindexed >= this.settings.maxUnindexed) {
      this.schedule(0);
      return Promise.resolve(false);
    }
    if (this.unindexed <= this.backlogLimit()) return Promise.resolve(true);
    this.schedule(0);
    return new Promise((resolve) => {
      const waiter = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const index = this.roomWaiters.indexOf(waiter);
        if (index >= 0) this.roomWaiters.splice(index, 1);
        resolve(this.unindexed < this.settings.maxUnindexed);
      }, timeoutMs);
      this.roomWaiters.push(waiter);
    });
  }

  private backlogLimit(): number {
    return Math.max(MIN_BACKLOG, this.rowsPerSecond * this.settings.backlogSeconds);
  }

  /** Indexes whatever the inbox holds (a previous run's leftovers at start, the rest at stop). */
  async indexAll(): Promise<void> {
    this.cancelTimer();
    await this.pass;
    await this.run();
  }

  /** Indexes what is left and stops. */
  async stop(): Promise<void> {
    await this.indexAll();
    this.stopped = true;
    this.cancelTimer();
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
    for (const resolve of this.roomWaiters.splice(0)) resolve();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.pass) {
      this.again = true;
      if (delayMs === 0) this.urgent = true;
      return;
    }
    if (this.timer && delayMs > 0) return;
    this.cancelTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, delayMs);
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private run(): Promise<void> {
    this.pass = this.passOnce().finally(() => {
      this.pass = undefined;
      const again = this.again || this.failed;
      const delayMs = this.failed ? RETRY_AFTER_FAILURE_MS : this.urgent || this.waiters.length > 0 ? 0 : this.settings.intervalMs;
      this.again = false;
      this.urgent = false;
      this.failed = false;
      if (this.indexedCount < this.appendedCount || again) this.schedule(delayMs);
    });
    return this.pass;
  }

  private async passOnce(): Promise<void> {
    const target = this.appendedCount;
    try {
      for (;;) {
        const started = this.clock.monotonicSeconds();
        const batch = await this.alerts.indexInbox(this.settings.maxBatch, this.clock.nowMs());
        const seconds = this.clock.monotonicSeconds() - started;
        if (batch.moved > 0) {
          this.observer.indexed(batch, seconds);
          this.unindexed = Math.max(0, this.unindexed - batch.moved);
          // Only full batches say how fast indexing can go; small ones are mostly fixed costs.
          if (batch.moved >= this.settings.maxBatch / 2 && seconds > 0) {
            const rate = batch.moved / seconds;
            this.rowsPerSecond = this.rowsPerSecond === 0 ? rate : 0.8 * this.rowsPerSecond + 0.2 * rate;
          }
          if (this.unindexed <= this.backlogLimit()) for (const resolve of this.roomWaiters.splice(0)) resolve();
        }
        if (batch.deliveries.size > 0) for (const listener of this.listeners) listener(batch.deliveries);
        if (batch.moved < this.settings.maxBatch) break;
      }
      this.indexedCount = Math.max(this.indexedCount, target);
    } catch (error) {
      this.observer.failed(error);
      // Reads go ahead with what is indexed; the entries stay in the inbox for the next pass.
      this.indexedCount = Math.max(this.indexedCount, target);
      this.failed = true;
    }
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i];
      if (waiter && waiter.target <= this.indexedCount) {
        this.waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }
}
