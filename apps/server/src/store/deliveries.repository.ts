import { type DataSource, In, type Repository } from 'typeorm';
import { inSqliteTransaction } from './database';
import { DeliveryRecord } from './delivery.entity';
import type { StoreLock } from './store-lock';

/** A pending delivery the dispatcher may send now. */
export interface DueDelivery {
  id: number;
  alertUuid: string;
  attempts: number;
  createdAt: number;
  /** Claimed before by a replica that stopped before recording the outcome: it may have been sent already. */
  reclaimed?: boolean;
}

/** What became of a chunk the dispatcher sent, recorded in one transaction. */
export interface DeliveryOutcomes {
  delivered: readonly number[];
  dead: ReadonlyArray<{ id: number; reason: string }>;
  retries: ReadonlyArray<{ id: number; attempts: number; next: number; reason: string }>;
  /** Claimed but never sent (a pass stopped early): due again at `at`, for any replica. */
  released?: { ids: readonly number[]; at: number };
}

export interface QueueDepthRow {
  output: string;
  state: string;
  count: number;
}

/** Runs one statement inside the caller's transaction (either dialect). */
export type StatementRunner = (sql: string, parameters: unknown[]) => Promise<unknown>;

/**
 * Every statement on the `deliveries` table (the outbox): queued with the alerts they carry,
 * read and settled by the dispatcher, counted for metrics and the outputs page, replayed.
 * A delivered row is deleted; one that can never be delivered becomes `dead` and stays.
 */
export class DeliveriesRepository {
  private readonly postgres: boolean;

  constructor(
    private readonly dataSource: DataSource,
    private readonly lock: StoreLock,
  ) {
    this.postgres = dataSource.options.type === 'postgres';
  }

  /**
   * Queues one pending delivery per (alert, output), inside the transaction that stores the
   * alerts (`run` belongs to it). Answers how many were queued per output.
   */
  async enqueue(run: StatementRunner, alerts: ReadonlyArray<{ uuid: string; outputs: readonly string[] }>, nowMs: number): Promise<Map<string, number>> {
    const pairs: Array<[string, string]> = [];
    const perOutput = new Map<string, number>();
    for (const { uuid, outputs } of alerts) {
      for (const output of outputs) {
        pairs.push([uuid, output]);
        perOutput.set(output, (perOutput.get(output) ?? 0) + 1);
      }
    }
    if (pairs.length === 0) return perOutput;
    const sql = this.postgres
      ? `INSERT INTO deliveries (alert_uuid, output, state, attempts, next_attempt_at, created_at) SELECT value ->> 0, value ->> 1, 'pending', 0, $1, $1 FROM json_array_elements($2::json)`
      : `INSERT INTO deliveries (alert_uuid, output, state, attempts, next_attempt_at, created_at) SELECT value ->> 0, value ->> 1, 'pending', 0, ?1, ?1 FROM json_each(?2)`;
    await run(sql, [nowMs, JSON.stringify(pairs)]);
    return perOutput;
  }

  /**
   * Pending deliveries of an output that are due, oldest first, leaving out those in flight.
   *
   * On PostgreSQL, where several replicas share the outbox, they are also *claimed*: their
   * `next_attempt_at` moves to `nowMs + leaseMs`, in the statement that picks them
   * (`FOR UPDATE SKIP LOCKED`: rows another replica is claiming are passed over), so no other
   * replica takes them while this one delivers. Settling a row ends its claim; a replica that
   * dies mid-delivery leaves its rows to come due again when the lease ends (at least once).
   * SQLite has one process, whose own in-flight set (`exclude`) is all it needs.
   */
  async due(output: string, limit: number, exclude: ReadonlySet<number>, nowMs: number, leaseMs = 60_000, claimant = 'peregrine'): Promise<DueDelivery[]> {
    if (this.postgres) {
      const rows = await this.dataSource.query<Array<{ id: number | string; alertUuid: string; attempts: number; createdAt: number | string; previous: string | null }>>(POSTGRES_CLAIM, [output, nowMs, limit, nowMs + leaseMs, claimant]);
      return rows
        .map((row) => ({ id: Number(row.id), alertUuid: row.alertUuid, attempts: row.attempts, createdAt: Number(row.createdAt), ...(row.previous !== null ? { reclaimed: true } : {}) }))
        .sort((a, b) => a.id - b.id);
    }
    const rows = await this.dataSource
      .getRepository(DeliveryRecord)
      .createQueryBuilder('d')
      .select(['d.id', 'd.alertUuid', 'd.attempts', 'd.createdAt'])
      .where('d.output = :output AND d.state = :state AND d.nextAttemptAt <= :now', { output, state: 'pending', now: nowMs })
      .orderBy('d.id', 'ASC')
      .limit(limit + exclude.size)
      .getMany();
    return rows
      .filter((row) => !exclude.has(row.id))
      .slice(0, limit)
      .map((row) => ({ id: row.id, alertUuid: row.alertUuid, attempts: row.attempts, createdAt: Number(row.createdAt) }));
  }

  /** When the next pending delivery of an output is due (ms since the epoch); undefined: none. */
  async nextDueAt(output: string): Promise<number | undefined> {
    const row = await this.dataSource
      .getRepository(DeliveryRecord)
      .createQueryBuilder('d')
      .select('MIN(d.nextAttemptAt)', 'next')
      .where('d.output = :output AND d.state = :state', { output, state: 'pending' })
      .getRawOne<{ next: number | string | null }>();
    return !row || row.next === null ? undefined : Number(row.next);
  }

  /** Records a chunk's outcomes in one transaction. */
  async settle(outcomes: DeliveryOutcomes): Promise<void> {
    const { delivered, dead, retries, released } = outcomes;
    if (delivered.length === 0 && dead.length === 0 && retries.length === 0 && (released?.ids.length ?? 0) === 0) return;
    // The usual pass, everything delivered: one statement is its own transaction, and the
    // dispatcher records a slice of a busy output every few milliseconds.
    if (dead.length === 0 && retries.length === 0 && (released?.ids.length ?? 0) === 0) {
      const placeholders = delivered.map((_, i) => (this.postgres ? `$${i + 1}` : '?')).join(', ');
      await this.lock.run(() => this.dataSource.query(`DELETE FROM deliveries WHERE id IN (${placeholders})`, [...delivered]));
      return;
    }
    await this.lock.run(() =>
      this.inTransaction(async (repository) => {
        if (delivered.length > 0) await repository.delete({ id: In([...delivered]) });
        // Each outcome also ends the claim (PostgreSQL).
        if (released && released.ids.length > 0) await repository.update({ id: In([...released.ids]), state: 'pending' }, { nextAttemptAt: released.at, claimedBy: null });
        for (const { id, reason } of dead) await repository.update({ id }, { state: 'dead', lastError: reason, claimedBy: null });
        for (const { id, attempts, next, reason } of retries) await repository.update({ id }, { attempts, nextAttemptAt: next, lastError: reason === '' ? null : reason, claimedBy: null });
      }),
    );
  }

  /** Runs `work` in one transaction: PostgreSQL's through TypeORM, SQLite's on its one connection (inSqliteTransaction). */
  private inTransaction(work: (repository: Repository<DeliveryRecord>) => Promise<void>): Promise<void> {
    if (this.postgres) return this.dataSource.transaction((manager) => work(manager.getRepository(DeliveryRecord)));
    return inSqliteTransaction(this.dataSource, () => work(this.dataSource.getRepository(DeliveryRecord)));
  }

  /** Outbox rows per output and state. */
  async queueDepth(): Promise<QueueDepthRow[]> {
    const rows = await this.dataSource
      .getRepository(DeliveryRecord)
      .createQueryBuilder('d')
      .select('d.output', 'output')
      .addSelect('d.state', 'state')
      .addSelect('COUNT(*)', 'count')
      .groupBy('d.output')
      .addGroupBy('d.state')
      .getRawMany<{ output: string; state: string; count: number | string }>();
    return rows.map((row) => ({ ...row, count: Number(row.count) }));
  }

  /** An output's dead letters go back to the queue as new deliveries; answers how many. */
  async replayDead(output: string, nowMs: number): Promise<number> {
    const result = await this.lock.run(() =>
      this.dataSource
        .createQueryBuilder()
        .update(DeliveryRecord)
        .set({ state: 'pending', attempts: 0, nextAttemptAt: nowMs, createdAt: nowMs, lastError: null })
        .where('output = :output AND state = :state', { output, state: 'dead' })
        .execute(),
    );
    return result.affected ?? 0;
  }
}

/**
 * Picks an output's due rows, skipping rows another replica is claiming right now, and claims
 * them until the lease ends; answers each with the claimant it had (not null: left by a replica
 * that stopped mid-delivery). (A WITH … SELECT, so the driver answers the rows themselves.)
 */
const POSTGRES_CLAIM = `
WITH picked AS (
  SELECT id, claimed_by AS previous FROM deliveries
  WHERE output = $1 AND state = 'pending' AND next_attempt_at <= $2
  ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED
), claimed AS (
  UPDATE deliveries d SET next_attempt_at = $4, claimed_by = $5
  FROM picked WHERE d.id = picked.id
  RETURNING d.id, d.alert_uuid, d.attempts, d.created_at, picked.previous
)
SELECT id, alert_uuid AS "alertUuid", attempts, created_at AS "createdAt", previous FROM claimed`;
