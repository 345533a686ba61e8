import Database from 'better-sqlite3';
import type { AcceptedAlert } from '../model/alert';
import { ROW_COLUMNS, toRow } from './alert-row';

/** The inbox holds the alerts table's columns, then the outputs each alert routes to (JSON array). */
const INBOX_COLUMNS = [...ROW_COLUMNS.map(([column]) => column), 'routes'];

/**
 * The acknowledgement path's SQLite file: a table with the alerts table's columns and nothing
 * but its integer key indexed, appended at its end and trimmed at its start. A commit writes a
 * page or two; the dashboard's nine indexes and the outbox are filled from it in the background
 * (AlertsRepository.indexInbox hands batches of it to the main file's connection), so an append
 * never waits for them.
 *
 * Only this class opens this file, and the main file is never opened with better-sqlite3: two
 * copies of SQLite in one process do not see each other's POSIX locks (sqlite.org/howtocorrupt,
 * "multiple copies of SQLite"), so each file has exactly one library touching it.
 *
 * better-sqlite3, synchronously on the event loop: binding a row's values and appending it is
 * tens of microseconds there, where a round trip through node-sqlite3's thread pool cost
 * 285-430 µs per append in the server on two cores (a third busy thread waits for a core).
 * Measured in the ingest and sqlite-drivers benchmarks; the README has the figures.
 */
export class SqliteInbox {
  private readonly appendOne: (accepted: AcceptedAlert) => void;
  private readonly appendMany: (alerts: readonly AcceptedAlert[]) => void;
  private readonly oldestStatement: Database.Statement<[number], unknown[]>;
  private readonly findStatement: Database.Statement<[string], Record<string, unknown>>;
  private readonly trimStatement: Database.Statement<[number]>;
  private readonly countStatement: Database.Statement<[], { count: number }>;

  private constructor(private readonly db: Database.Database) {
    const insert = db.prepare(`INSERT INTO alert_inbox (${INBOX_COLUMNS.join(', ')}) VALUES (${INBOX_COLUMNS.map(() => '?').join(', ')})`);
    this.appendOne = (accepted) => {
      const row = toRow(accepted);
      insert.run(row.uuid, accepted.alert.timeNs, row.time, row.priority, row.priorityValue, row.rule, row.source, row.hostname, row.cluster, row.k8sNamespace, row.k8sPod, row.output, row.outputFields, row.tags, row.receivedAt, JSON.stringify(accepted.routes));
    };
    // One transaction for the batch; a single alert's statement is a transaction of its own.
    this.appendMany = db.transaction((alerts: readonly AcceptedAlert[]) => {
      for (const accepted of alerts) this.appendOne(accepted);
    });
    // Rows as arrays (no objects to build): id, the alerts table's columns in ROW_COLUMNS order, routes.
    // time_ns as text: an int64 of nanoseconds does not survive a JS number.
    this.oldestStatement = db
      .prepare<[number], unknown[]>(`SELECT id, ${ROW_COLUMNS.map(([column]) => (column === 'time_ns' ? 'CAST(time_ns AS TEXT)' : column)).join(', ')}, routes FROM alert_inbox ORDER BY id LIMIT ?`)
      .raw(true);
    this.findStatement = db.prepare(`SELECT ${ROW_COLUMNS.map(([column, property]) => `${column === 'time_ns' ? 'CAST(time_ns AS TEXT)' : column} AS "${property}"`).join(', ')} FROM alert_inbox WHERE uuid = ? ORDER BY id LIMIT 1`);
    this.trimStatement = db.prepare('DELETE FROM alert_inbox WHERE id <= ?');
    this.countStatement = db.prepare('SELECT COUNT(*) AS count FROM alert_inbox');
  }

  static open(path: string, synchronous: 'FULL' | 'NORMAL', busyTimeoutMs: number): SqliteInbox {
    const db = new Database(path, { timeout: busyTimeoutMs });
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous}`);
    db.exec(CREATE_INBOX);
    return new SqliteInbox(db);
  }

  /** Appends the alerts in one transaction: durable (in the configured sense) when it returns. */
  append(alerts: readonly AcceptedAlert[]): void {
    if (alerts.length === 1 && alerts[0]) this.appendOne(alerts[0]);
    else this.appendMany(alerts);
  }

  /**
   * The oldest entries, at most `limit`: each the row's values in ROW_COLUMNS order and the
   * routes (a JSON array text), and the last id among them.
   */
  oldest(limit: number): { upper: number; rows: unknown[][] } | undefined {
    const rows = this.oldestStatement.all(limit);
    const last = rows[rows.length - 1];
    if (!last) return undefined;
    return { upper: Number(last[0]), rows: rows.map((row) => row.slice(1)) };
  }

  /** An alert's row by uuid, if it still waits here (its first entry). */
  find(uuid: string): Record<string, unknown> | undefined {
    return this.findStatement.get(uuid);
  }

  /** Removes entries the main file has taken in (their ids up to `id`). */
  trimThrough(id: number): void {
    this.trimStatement.run(id);
  }

  count(): number {
    return this.countStatement.get()?.count ?? 0;
  }

  sizeBytes(): number {
    return Number(this.db.pragma('page_count', { simple: true })) * Number(this.db.pragma('page_size', { simple: true }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

const CREATE_INBOX = `CREATE TABLE IF NOT EXISTS alert_inbox (
  id INTEGER PRIMARY KEY, uuid TEXT NOT NULL, time_ns INTEGER NOT NULL, time TEXT NOT NULL, priority TEXT NOT NULL,
  priority_value INTEGER NOT NULL, rule TEXT NOT NULL, source TEXT NOT NULL, hostname TEXT NOT NULL, cluster TEXT NOT NULL,
  k8s_namespace TEXT, k8s_pod TEXT, output TEXT NOT NULL, output_fields TEXT NOT NULL, tags TEXT NOT NULL,
  received_at INTEGER NOT NULL, routes TEXT NOT NULL)`;

/** The inbox file beside the main one: `peregrine.db` → `peregrine.inbox.db`. */
export function inboxPathFor(databasePath: string): string {
  return databasePath.endsWith('.db') ? `${databasePath.slice(0, -3)}.inbox.db` : `${databasePath}.inbox`;
}
