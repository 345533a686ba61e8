import type sqlite3 from 'sqlite3';
import type { DataSource } from 'typeorm';
import type { AcceptedAlert, StoredAlert } from '../model/alert';
import { AlertRecord } from './alert.entity';
import { fromRow, inboxEntry, recordOf, ROUTES_INDEX, ROW_COLUMNS } from './alert-row';
import { refreshPlannerStatistics, sqliteConnection } from './database';
import type { DeliveriesRepository } from './deliveries.repository';
import { JournalInbox, journalPathFor } from './journal-inbox';
import { removeLegacyInbox, takeLegacyInbox } from './legacy-inbox';
import type { StoreLock } from './store-lock';

/** What one indexing pass moved from the inbox into the alerts table. */
export interface IndexedBatch {
  /** Inbox entries taken in. */
  moved: number;
  /** Alerts newly stored (an entry whose uuid is already stored is a sender's resend). */
  stored: number;
  /** Deliveries queued, per output. */
  deliveries: ReadonlyMap<string, number>;
}

export interface AlertsStoreSettings {
  /** The main SQLite file (the journal lives beside it); undefined on PostgreSQL. */
  sqlitePath?: string;
  synchronous?: 'FULL' | 'NORMAL';
  busyTimeoutMs?: number;
}

const COLUMNS = ROW_COLUMNS.map(([column]) => column).join(', ');

/**
 * Every statement on the alert tables, for both dialects: the inbox (the acknowledgement
 * path's one narrow append), the alerts table with its query indexes (filled from the inbox in
 * the background, in large batches), and what retention and metrics read and delete.
 * The read queries of the dashboard live beside it in AlertQueries.
 */
export class AlertsRepository {
  private constructor(
    private readonly dataSource: DataSource,
    private readonly lock: StoreLock,
    private readonly deliveries: DeliveriesRepository,
    /** SQLite's inbox, a journal beside the main file; undefined on PostgreSQL, whose inbox is a table. */
    private readonly inbox: JournalInbox | undefined,
    /** What opening found: entries a previous run left in the journal, and torn lines skipped. */
    readonly recovered: { entries: number; torn: number } = { entries: 0, torn: 0 },
  ) {}

  static async open(dataSource: DataSource, deliveries: DeliveriesRepository, lock: StoreLock, settings: AlertsStoreSettings = {}): Promise<AlertsRepository> {
    if (dataSource.options.type !== 'sqlite') return new AlertsRepository(dataSource, lock, deliveries, undefined);
    const mainPath = settings.sqlitePath ?? String(dataSource.options.database);
    const { inbox, recovered, torn } = JournalInbox.open(journalPathFor(mainPath), settings.synchronous ?? 'NORMAL');
    // An inbox file of Peregrine 0.1 (a crash may have left acknowledged alerts in it): into the journal first.
    const legacy = takeLegacyInbox(mainPath);
    if (legacy) {
      await inbox.appendRows(legacy);
      removeLegacyInbox(mainPath);
    }
    return new AlertsRepository(dataSource, lock, deliveries, inbox, { entries: recovered + (legacy?.length ?? 0), torn });
  }

  /**
   * The acknowledgement path: the alerts and the outputs they route to, appended in one
   * statement (one transaction). Resolves once durable in the configured sense.
   */
  async append(alerts: readonly AcceptedAlert[]): Promise<void> {
    if (this.inbox) return this.inbox.append(alerts);
    const entries = postgresText(JSON.stringify(alerts.map(inboxEntry)));
    await this.dataSource.query('INSERT INTO alert_inbox (entry) SELECT value FROM json_array_elements_text($1::json)', [entries]);
  }

  /**
   * Moves up to `maxEntries` of the oldest inbox entries into the alerts table and queues their
   * deliveries, in one transaction. A uuid already stored is skipped with its deliveries, so a
   * resend, or a pass repeated after a crash, stores and delivers nothing twice.
   */
  async indexInbox(maxEntries: number, nowMs: number): Promise<IndexedBatch> {
    return this.inbox ? this.indexSqliteInbox(this.inbox, maxEntries, nowMs) : this.indexPostgresInbox(maxEntries, nowMs);
  }

  private async indexSqliteInbox(inbox: JournalInbox, maxEntries: number, nowMs: number): Promise<IndexedBatch> {
    const taken = inbox.oldest(maxEntries);
    if (!taken) return { moved: 0, stored: 0, deliveries: new Map() };
    const connection = this.connection();
    // Values are bound as they are (one multi-row INSERT per chunk): unpacking JSON cost SQLite
    // more than the nine index updates together.
    const routed = taken.rows.map((row) => ({ uuid: String(row[0]), routes: String(row[ROUTES_INDEX]) }));
    const batch = await this.lock.run(async () => {
      await all(connection, 'BEGIN IMMEDIATE');
      try {
        const stored: Array<{ uuid: string }> = [];
        // The inbox's order is the acknowledgement order: ids follow it.
        for (let start = 0; start < taken.rows.length; start += SQLITE_ROWS_PER_INSERT) {
          const chunk = taken.rows.slice(start, start + SQLITE_ROWS_PER_INSERT);
          const parameters: unknown[] = [];
          for (const row of chunk) for (let i = 0; i < ROUTES_INDEX; i++) parameters.push(row[i]);
          stored.push(...(await all<{ uuid: string }>(connection, sqliteInsert(chunk.length), parameters)));
        }
        const deliveries = await this.deliveries.enqueue((sql, parameters) => all(connection, sql, parameters), newlyStoredRoutes(stored, routed), nowMs);
        await all(connection, 'COMMIT');
        return { moved: taken.rows.length, stored: stored.length, deliveries };
      } catch (error) {
        await all(connection, 'ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
    // Taken in: the inbox may forget them. A crash before this line only repeats the pass.
    inbox.trimThrough(taken.upper);
    return batch;
  }

  private async indexPostgresInbox(maxEntries: number, nowMs: number): Promise<IndexedBatch> {
    return this.dataSource.transaction(async (manager) => {
      const [row] = await manager.query<Array<{ moved: number | string; stored: Array<[string, string[]]> | null }>>(POSTGRES_INDEX, [maxEntries]);
      const stored = row?.stored ?? [];
      const routed = stored.filter(([, outputs]) => outputs.length > 0).map(([uuid, outputs]) => ({ uuid, outputs }));
      const deliveries = await this.deliveries.enqueue((sql, parameters) => manager.query(sql, parameters), routed, nowMs);
      return { moved: Number(row?.moved ?? 0), stored: stored.length, deliveries };
    });
  }

  /** An alert by uuid, whether indexed yet or still in the inbox (a live push's detail link). */
  async findByUuid(uuid: string): Promise<StoredAlert | undefined> {
    // The journal first: an entry leaves it only once the alerts table holds it, so looking
    // there second could miss one moved while the table was being read.
    const pending = this.inbox?.find(uuid);
    if (pending) return fromRow(pending);
    const row = await this.dataSource.getRepository(AlertRecord).findOne({ where: { uuid } });
    if (row) return fromRow(row);
    if (this.inbox) return undefined;
    const entry = await this.postgresInboxEntry(uuid);
    if (entry) return fromRow(recordOf(entry));
    // PostgreSQL's inbox is a table, read second (the fast path is the indexed one): an entry
    // indexed between the two reads is in the alerts table now (one transaction moves it).
    const moved = await this.dataSource.getRepository(AlertRecord).findOne({ where: { uuid } });
    return moved ? fromRow(moved) : undefined;
  }

  private async postgresInboxEntry(uuid: string): Promise<unknown[] | undefined> {
    const [row] = await this.dataSource.query<Array<{ entry: string }>>('SELECT entry FROM alert_inbox WHERE (entry::jsonb) ->> 0 = $1 ORDER BY id LIMIT 1', [uuid]);
    return row ? (JSON.parse(row.entry) as unknown[]) : undefined;
  }

  /** Acknowledged alerts not indexed yet. */
  async inboxCount(): Promise<number> {
    if (this.inbox) return this.inbox.count();
    const [row] = await this.dataSource.query<Array<{ count: string }>>('SELECT COUNT(*) AS count FROM alert_inbox');
    return Number(row?.count ?? 0);
  }

  /** Stored alerts by uuid (the dispatcher's chunk). */
  findManyByUuid(uuids: readonly string[]): Promise<Map<string, StoredAlert>> {
    return findAlertsByUuid(this.dataSource, uuids);
  }

  /** Deletes alerts received before `cutoffMs`, in chunks that each hold the write lock briefly. */
  deleteReceivedBefore(cutoffMs: number): Promise<number> {
    return this.deleteInChunks('a.received_at < :cutoff', { cutoff: cutoffMs });
  }

  /** Deletes the oldest alerts beyond `maxAlerts`. */
  async deleteOldestBeyond(maxAlerts: number): Promise<number> {
    // Counted first (SQLite counts a b-tree without reading rows), then the boundary found from
    // the oldest end: an OFFSET of max_alerts from the newest end reads a million ids a minute.
    const counted = await this.dataSource.getRepository(AlertRecord).createQueryBuilder('a').select('COUNT(*)', 'count').getRawOne<{ count: number | string }>();
    const excess = Number(counted?.count ?? 0) - maxAlerts;
    if (excess <= 0) return 0;
    const boundary = await this.dataSource.getRepository(AlertRecord).createQueryBuilder('a').select('a.id', 'id').orderBy('a.id', 'ASC').offset(excess - 1).limit(1).getRawOne<{ id: number }>();
    return boundary ? this.deleteInChunks('a.id <= :boundary', { boundary: boundary.id }) : 0;
  }

  private async deleteInChunks(condition: string, parameters: Record<string, unknown>): Promise<number> {
    let total = 0;
    for (;;) {
      const chunk = this.dataSource.getRepository(AlertRecord).createQueryBuilder('a').select('a.id').where(condition).orderBy('a.id').limit(DELETE_CHUNK);
      const result = await this.lock.run(() => this.dataSource.createQueryBuilder().delete().from(AlertRecord).where(`id IN (${chunk.getQuery()})`).setParameters(parameters).execute());
      const affected = result.affected ?? 0;
      total += affected;
      if (affected < DELETE_CHUNK) return total;
    }
  }

  /**
   * Runs `work` unless another replica is running the same maintenance (retention) right now,
   * in which case it answers undefined: on PostgreSQL a session advisory lock taken with
   * `pg_try_advisory_lock` (released at the end, or by PostgreSQL if the replica dies); SQLite
   * has one process, which always runs it.
   */
  async asOneReplica<T>(work: () => Promise<T>): Promise<T | undefined> {
    if (this.inbox) return work();
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [row] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [MAINTENANCE_LOCK])) as Array<{ locked: boolean }>;
      if (!row?.locked) return undefined;
      try {
        return await work();
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [MAINTENANCE_LOCK]);
      }
    } finally {
      await runner.release();
    }
  }

  /** Keeps the planner's statistics in step with the table (SQLite; PostgreSQL's autovacuum does its own). */
  refreshPlannerStatistics(): Promise<boolean> {
    return this.lock.run(() => refreshPlannerStatistics(this.dataSource));
  }

  /** Bytes on disk: SQLite's pages and the journal; PostgreSQL's alert and delivery relations. */
  async sizeBytes(): Promise<number> {
    if (!this.dataSource.isInitialized) return 0;
    if (!this.inbox) {
      const [row] = await this.dataSource.query<Array<{ size: string }>>("SELECT pg_total_relation_size('alerts') + pg_total_relation_size('deliveries') + pg_total_relation_size('alert_inbox') AS size");
      return Number(row?.size ?? 0);
    }
    const [pages] = await this.dataSource.query<Array<{ page_count: number }>>('PRAGMA page_count');
    const [size] = await this.dataSource.query<Array<{ page_size: number }>>('PRAGMA page_size');
    return (pages?.page_count ?? 0) * (size?.page_size ?? 0) + this.inbox.sizeBytes();
  }

  /** Alerts kept (highest id minus lowest, an upper bound that needs no scan). */
  async countUpperBound(): Promise<number> {
    if (!this.dataSource.isInitialized) return 0;
    const [row] = await this.dataSource.query<Array<{ low: number | null; high: number | null }>>('SELECT MIN(id) AS low, MAX(id) AS high FROM alerts');
    return row?.low == null || row.high == null ? 0 : Number(row.high) - Number(row.low) + 1;
  }

  close(): void {
    this.inbox?.close();
  }

  /** SQLite's own handle: INSERT … RETURNING through TypeORM's driver loses the returned rows. */
  private connection(): sqlite3.Database {
    return sqliteConnection(this.dataSource);
  }
}

const DELETE_CHUNK = 5000;

/** The advisory lock key of retention (any bigint no other application on the database uses). */
const MAINTENANCE_LOCK = 7_243_118_905;

/** SQLite binds at most 32 766 values in one statement: 2 000 rows of 15. */
const SQLITE_ROWS_PER_INSERT = 2000;
const sqliteInserts = new Map<number, string>();

/** `INSERT … VALUES (…),(…) ON CONFLICT (uuid) DO NOTHING RETURNING uuid` for `rows` rows, cached by size. */
function sqliteInsert(rows: number): string {
  let statement = sqliteInserts.get(rows);
  if (!statement) {
    const tuple = `(${ROW_COLUMNS.map(() => '?').join(',')})`;
    statement = `INSERT INTO alerts (${COLUMNS}) VALUES ${Array.from({ length: rows }, () => tuple).join(',')} ON CONFLICT (uuid) DO NOTHING RETURNING uuid`;
    if (sqliteInserts.size < 64) sqliteInserts.set(rows, statement);
  }
  return statement;
}

/** The PostgreSQL column types an entry's text values are cast to. */
const POSTGRES_CASTS: Readonly<Record<string, string>> = { time_ns: '::bigint', priority_value: '::smallint', received_at: '::bigint' };

/**
 * One statement: take the oldest entries (skipping rows another replica holds), store the new
 * alerts, and answer each newly stored uuid with the routes of its first entry.
 */
const POSTGRES_INDEX = `
WITH moved AS (
  DELETE FROM alert_inbox WHERE id IN (SELECT id FROM alert_inbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
  RETURNING id, entry::jsonb AS e
), inserted AS (
  INSERT INTO alerts (${COLUMNS})
  SELECT ${ROW_COLUMNS.map(([column], i) => `(e ->> ${i})${POSTGRES_CASTS[column] ?? ''}`).join(', ')} FROM moved ORDER BY id
  ON CONFLICT (uuid) DO NOTHING RETURNING uuid
)
SELECT (SELECT COUNT(*) FROM moved) AS moved,
       (SELECT json_agg(json_build_array(i.uuid, (SELECT m.e -> ${ROUTES_INDEX} FROM moved m WHERE m.e ->> 0 = i.uuid ORDER BY m.id LIMIT 1))) FROM inserted i) AS stored`;

/**
 * PostgreSQL text cannot hold U+0000 nor a lone UTF-16 surrogate, and refuses a statement
 * carrying either (JSON.stringify writes both as `\u` escapes): each becomes U+FFFD, as a
 * decoder shows bytes it cannot read. An escaped backslash before `u0000` is text, not an escape.
 */
export function postgresText(json: string): string {
  if (!json.includes('\\u')) return json;
  return json.replace(/(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/gi, '$1\\ufffd');
}

/** The routes of each newly stored uuid, once per uuid (its first entry), in inbox order. */
function newlyStoredRoutes(stored: ReadonlyArray<{ uuid: string }>, routed: ReadonlyArray<{ uuid: string; routes: string }>): Array<{ uuid: string; outputs: string[] }> {
  const fresh = new Set(stored.map((row) => row.uuid));
  const result: Array<{ uuid: string; outputs: string[] }> = [];
  for (const { uuid, routes } of routed) {
    // The first entry of a uuid decides (a resend carries the same routes anyway).
    if (!fresh.delete(uuid) || routes === '[]') continue;
    result.push({ uuid, outputs: JSON.parse(routes) as string[] });
  }
  return result;
}

function all<T = unknown>(connection: sqlite3.Database, sql: string, parameters: unknown[] = []): Promise<T[]> {
  return new Promise((resolve, reject) => connection.all(sql, parameters, (error: Error | null, rows: T[]) => (error ? reject(error) : resolve(rows))));
}

/** What the dispatcher reads of the alerts table: the alerts its due deliveries carry. */
export interface AlertLookup {
  findManyByUuid(uuids: readonly string[]): Promise<Map<string, StoredAlert>>;
}

/** Stored alerts by uuid (those no longer stored are absent), on any connection to the store. */
export async function findAlertsByUuid(dataSource: DataSource, uuids: readonly string[]): Promise<Map<string, StoredAlert>> {
  if (uuids.length === 0) return new Map();
  const rows = await dataSource.getRepository(AlertRecord).createQueryBuilder('a').where('a.uuid IN (:...uuids)', { uuids }).getMany();
  return new Map(rows.map((row) => [row.uuid, fromRow(row)]));
}
