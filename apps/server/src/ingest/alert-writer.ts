import { DataSource, type EntityManager } from 'typeorm';
import { PeregrineError } from '../common/errors';
import { Clock } from '../common/clock';
import { StoreLock } from '../store/store-lock';
import { type AlertToStore, type NewAlertRow, toRow } from '../store/alert-row';

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
    private readonly lock: StoreLock = new StoreLock(),
  ) {}

  private readonly statements = new Map<number, string>();

  /**
   * SQLite gets the batch as one JSON text and unpacks it itself (json_each): binding one
   * string is a copy, while binding fifteen values per row is work on the event loop, the
   * scarce resource under load. Integers travel as text and land exact (INTEGER affinity).
   */
  private insert(rows: readonly NewAlertRow[]): [string, unknown[]] {
    if (this.dataSource.options.type === 'postgres') return [this.insertStatement(rows.length), insertParameters(rows)];
    return [SQLITE_INSERT_FROM_JSON, [JSON.stringify(rows.map(rowValues))]];
  }

  /**
   * One multi-row INSERT per batch, in plain SQL: TypeORM's query builder spent four times
   * longer escaping parameters than SQLite spent committing (see the ingest benchmark).
   * A uuid already stored (a sender's retry) is skipped, not an error.
   */
  private insertStatement(rowCount: number): string {
    let statement = this.statements.get(rowCount);
    if (!statement) {
      const postgres = this.dataSource.options.type === 'postgres';
      let n = 0;
      const tuple = (): string => `(${INSERT_COLUMNS.map(() => (postgres ? `$${++n}` : '?')).join(',')})`;
      const tuples = Array.from({ length: rowCount }, tuple).join(',');
      statement = `INSERT INTO alerts (${INSERT_COLUMNS.map(([column]) => column).join(',')}) VALUES ${tuples} ON CONFLICT (uuid) DO NOTHING`;
      if (this.statements.size < 64) this.statements.set(rowCount, statement);
    }
    return statement;
  }

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
        // Let requests already read from sockets join this batch: one more event-loop turn
        // costs microseconds, a transaction costs a millisecond.
        await new Promise<void>((resolve) => setImmediate(resolve));
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
      await this.lock.run(() => this.insertBatch(rows));
    } catch (error) {
      this.observer.batchFailed(rows.length, error);
      const refusal = new PeregrineError('STORE_UNAVAILABLE', 'the alert store could not commit; retry shortly', 5);
      for (const pending of batch) pending.reject(refusal);
      return;
    }
    this.observer.batchCommitted(rows.length, this.clock.monotonicSeconds() - started);
    for (const pending of batch) pending.resolve();
  }

  private async insertBatch(rows: NewAlertRow[]): Promise<void> {
    if (this.sameTransactionWork.length === 0) {
      // One statement is one atomic transaction already: no BEGIN/COMMIT round trips, each of
      // which waits for the busy event loop before the next can start.
      await this.dataSource.query(...this.insert(rows));
      return;
    }
    await this.dataSource.transaction(async (manager) => {
      await manager.query(...this.insert(rows));
      for (const work of this.sameTransactionWork) await work(manager, rows);
    });
  }
}

/** Column name → row property, in the order of the INSERT. */
const INSERT_COLUMNS: ReadonlyArray<readonly [string, keyof NewAlertRow]> = [
  ['uuid', 'uuid'],
  ['time_ns', 'timeNs'],
  ['time', 'time'],
  ['priority', 'priority'],
  ['priority_value', 'priorityValue'],
  ['rule', 'rule'],
  ['source', 'source'],
  ['hostname', 'hostname'],
  ['cluster', 'cluster'],
  ['k8s_namespace', 'k8sNamespace'],
  ['k8s_pod', 'k8sPod'],
  ['output', 'output'],
  ['output_fields', 'outputFields'],
  ['tags', 'tags'],
  ['received_at', 'receivedAt'],
];

const SQLITE_INSERT_FROM_JSON = `INSERT INTO alerts (${INSERT_COLUMNS.map(([column]) => column).join(',')}) SELECT ${INSERT_COLUMNS.map((_, i) => `value ->> ${i}`).join(',')} FROM json_each(?) WHERE true ON CONFLICT (uuid) DO NOTHING`;

function rowValues(row: NewAlertRow): unknown[] {
  return INSERT_COLUMNS.map(([, property]) => row[property]);
}

function insertParameters(rows: readonly NewAlertRow[]): unknown[] {
  const parameters: unknown[] = [];
  for (const row of rows) for (const [, property] of INSERT_COLUMNS) parameters.push(row[property]);
  return parameters;
}
