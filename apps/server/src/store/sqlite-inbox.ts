import Database from 'better-sqlite3';

/**
 * The acknowledgement path's SQLite file: one narrow table, appended at its end and trimmed at
 * its start, on a connection of its own. Nothing but its integer key is indexed, so a commit
 * writes a page or two; the dashboard's indexes are built from it in the background (see
 * AlertsRepository.indexInbox), on the main file's connection, without holding up an append.
 *
 * better-sqlite3, synchronously on the event loop: an append is ~20 µs of work there, where a
 * round trip through node-sqlite3's thread pool cost 285-430 µs per append in the server on two
 * cores (the third busy thread waits for a core). Measured in the ingest and sqlite-drivers
 * benchmarks; the README has the figures. This file is only ever opened by this class.
 */
export class SqliteInbox {
  private readonly appendStatement: Database.Statement<[string]>;
  private readonly batchStatement: Database.Statement<[number], { id: number; entry: string }>;
  private readonly trimStatement: Database.Statement<[number]>;
  private readonly findStatement: Database.Statement<[string], { entry: string }>;
  private readonly countStatement: Database.Statement<[], { count: number }>;

  private constructor(private readonly db: Database.Database) {
    this.appendStatement = db.prepare(APPEND);
    this.batchStatement = db.prepare('SELECT id, entry FROM alert_inbox ORDER BY id LIMIT ?');
    this.trimStatement = db.prepare('DELETE FROM alert_inbox WHERE id <= ?');
    this.findStatement = db.prepare('SELECT entry FROM alert_inbox WHERE entry ->> 0 = ? ORDER BY id LIMIT 1');
    this.countStatement = db.prepare('SELECT COUNT(*) AS count FROM alert_inbox');
  }

  static open(path: string, synchronous: 'FULL' | 'NORMAL', busyTimeoutMs: number): SqliteInbox {
    const db = new Database(path, { timeout: busyTimeoutMs });
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous}`);
    db.exec('CREATE TABLE IF NOT EXISTS alert_inbox (id INTEGER PRIMARY KEY, entry TEXT NOT NULL)');
    return new SqliteInbox(db);
  }

  /** Appends the entries (one JSON array of entries) in one statement: durable when it returns. */
  append(entriesJson: string): void {
    this.appendStatement.run(entriesJson);
  }

  /** The oldest entries, at most `limit`, as one JSON array text, and the last id among them. */
  oldest(limit: number): { upper: number; count: number; entriesJson: string } | undefined {
    const rows = this.batchStatement.all(limit);
    const last = rows[rows.length - 1];
    if (!last) return undefined;
    return { upper: last.id, count: rows.length, entriesJson: `[${rows.map((row) => row.entry).join(',')}]` };
  }

  /** Removes entries the main file has taken in (their ids up to `id`). */
  trimThrough(id: number): void {
    this.trimStatement.run(id);
  }

  /** The first entry of an alert by uuid, if it still waits here. */
  find(uuid: string): unknown[] | undefined {
    const row = this.findStatement.get(uuid);
    return row ? (JSON.parse(row.entry) as unknown[]) : undefined;
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

/** One bound text for the whole batch: binding values one by one would be work on the event loop. */
const APPEND = 'INSERT INTO alert_inbox (entry) SELECT value FROM json_each(?)';

/** The inbox file beside the main one: `peregrine.db` → `peregrine.inbox.db`. */
export function inboxPathFor(databasePath: string): string {
  return databasePath.endsWith('.db') ? `${databasePath.slice(0, -3)}.inbox.db` : `${databasePath}.inbox`;
}
