import { PeregrineError } from '../common/errors';
import type { AcceptedAlert } from '../model/alert';

export interface WriterSettings {
  /** Alerts per append at most. */
  maxBatch: number;
  /** Alerts waiting for a commit beyond which new ones are refused (503) instead of queued. */
  maxPending: number;
}

export interface WriterObserver {
  batchCommitted(rows: number, seconds: number): void;
  batchFailed(rows: number, error: unknown): void;
}

/** Where accepted alerts are made durable: the store's inbox (AlertsRepository.append). */
export interface AlertAppender {
  append(alerts: readonly AcceptedAlert[]): Promise<void>;
}

/**
 * Resolves when the store can take the next append (StoreIndexer.roomForAppend): true, or
 * false when it cannot take any more (the append is refused with a 503 instead).
 */
export type Backpressure = () => Promise<boolean>;

interface Pending {
  alert: AcceptedAlert;
  resolve: () => void;
  reject: (error: PeregrineError) => void;
}

/**
 * Group commit: every alert waits for the append that makes it durable, and all alerts that
 * arrived while the previous append was committing go into the next one. Under load this turns
 * thousands of commits into tens; when idle it adds no timer delay.
 */
export class AlertWriter {
  private queue: Pending[] = [];
  private flushing = false;

  constructor(
    private readonly store: AlertAppender,
    private readonly clock: { monotonicSeconds(): number },
    private readonly settings: WriterSettings,
    private readonly observer: WriterObserver,
    private readonly backpressure: Backpressure = () => Promise.resolve(true),
  ) {}

  /** Resolves once the alert is durable; rejects with a 503-class error otherwise. */
  write(alert: AcceptedAlert): Promise<void> {
    if (this.queue.length >= this.settings.maxPending) {
      return Promise.reject(new PeregrineError('STORE_OVERLOADED', 'too many alerts waiting to be stored; retry shortly', 1));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ alert, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  /** Resolves when everything queued so far has been committed or refused. */
  async drain(): Promise<void> {
    while (this.flushing || this.queue.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        // Let requests already read from sockets join this batch: one more event-loop turn
        // costs microseconds, a commit costs more.
        await new Promise<void>((resolve) => setImmediate(resolve));
        // While the indexer is behind, alerts keep queueing here (and join one larger append).
        const room = await this.backpressure();
        const batch = this.queue.splice(0, this.settings.maxBatch);
        if (room) await this.commit(batch);
        else this.refuse(batch);
      }
    } finally {
      this.flushing = false;
    }
  }

  /** The store holds all it may without indexing (the indexer is failing): the sender retries later. */
  private refuse(batch: Pending[]): void {
    this.observer.batchFailed(batch.length, new PeregrineError('STORE_OVERLOADED', 'the indexer is behind by the most alerts it may hold', 5));
    const refusal = new PeregrineError('STORE_OVERLOADED', 'too many alerts waiting to be indexed; retry shortly', 5);
    for (const pending of batch) pending.reject(refusal);
  }

  private async commit(batch: Pending[]): Promise<void> {
    const started = this.clock.monotonicSeconds();
    try {
      await this.store.append(batch.map((pending) => pending.alert));
    } catch (error) {
      this.observer.batchFailed(batch.length, error);
      const refusal = new PeregrineError('STORE_UNAVAILABLE', 'the alert store could not commit; retry shortly', 5);
      for (const pending of batch) pending.reject(refusal);
      return;
    }
    this.observer.batchCommitted(batch.length, this.clock.monotonicSeconds() - started);
    for (const pending of batch) pending.resolve();
  }
}
