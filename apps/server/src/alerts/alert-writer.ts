import { DataSource, type EntityManager } from 'typeorm';
import { PeregrineError } from '../common/errors';
import { Clock } from '../common/clock';
import { AlertRecord } from './alert.entity';
import { type AlertToStore, type NewAlertRow, toRow } from './alert-record.mapper';

export interface WriterSettings {
  /** Rows per transaction at most. */
  maxBatch: number;
  /** Alerts waiting for a commit beyond which new ones are refused (503) instead of queued. */
  maxPending: number;
}

export interface WriterObserver {
  batchCommitted(rows: number, seconds: number): void;
  batchFailed(rows: number, error: unknown): void;
}

/** Work that must commit in the same transaction as the alerts (the delivery outbox). */
export type SameTransactionWork = (manager: EntityManager, rows: readonly NewAlertRow[]) => Promise<void>;

interface Pending {
  row: NewAlertRow;
  resolve: () => void;
  reject: (error: PeregrineError) => void;
}

/**
 * Group commit: every alert waits for the transaction that makes it durable, and all alerts
 * that arrived while the previous transaction was committing go into the next one. Under load
 * this turns thousands of fsyncs into tens without adding a timer delay when idle.
 */
export class AlertWriter {
  private queue: Pending[] = [];
  private flushing = false;
  private readonly sameTransactionWork: SameTransactionWork[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly settings: WriterSettings,
    private readonly observer: WriterObserver,
  ) {}

  /** Registers work committed atomically with every batch of alerts. */
  addSameTransactionWork(work: SameTransactionWork): void {
    this.sameTransactionWork.push(work);
  }

  /** Resolves once the alert is committed; rejects with a 503-class error otherwise. */
  write(alert: AlertToStore): Promise<void> {
    if (this.queue.length >= this.settings.maxPending) {
      return Promise.reject(new PeregrineError('STORE_OVERLOADED', 'too many alerts waiting to be stored; retry shortly', 1));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ row: toRow(alert), resolve, reject });
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
        const batch = this.queue.splice(0, this.settings.maxBatch);
        await this.commit(batch);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async commit(batch: Pending[]): Promise<void> {
    const rows = batch.map((p) => p.row);
    const started = this.clock.monotonicSeconds();
    try {
      await this.dataSource.transaction(async (manager) => {
        await manager.createQueryBuilder().insert().into(AlertRecord).values(rows).orIgnore().execute();
        for (const work of this.sameTransactionWork) await work(manager, rows);
      });
    } catch (error) {
      this.observer.batchFailed(rows.length, error);
      const refusal = new PeregrineError('STORE_UNAVAILABLE', 'the alert store could not commit; retry shortly', 5);
      for (const pending of batch) pending.reject(refusal);
      return;
    }
    this.observer.batchCommitted(rows.length, this.clock.monotonicSeconds() - started);
    for (const pending of batch) pending.resolve();
  }
}
