import sqlite3 from 'sqlite3';

/**
 * The acknowledgement path's SQLite file: one narrow table, appended at its end and trimmed at
 * its start, on a connection of its own. Nothing but its integer key is indexed, so a commit
 * writes a page or two; the dashboard's indexes are built from it in the background (see
 * AlertsRepository.indexInbox), on the main file's connection, without ever holding up an append.
 */
export class SqliteInbox {
  private constructor(private readonly db: sqlite3.Database) {}

  static async open(path: string, synchronous: 'FULL' | 'NORMAL', busyTimeoutMs: number): Promise<SqliteInbox> {
    const db = await new Promise<sqlite3.Database>((resolve, reject) => {
      const opened: sqlite3.Database = new sqlite3.Database(path, (error) => (error ? reject(error) : resolve(opened)));
    });
    const inbox = new SqliteInbox(db);
    db.configure('busyTimeout', busyTimeoutMs);
    await inbox.run('PRAGMA journal_mode = WAL');
    await inbox.run(`PRAGMA synchronous = ${synchronous}`);
    await inbox.run(CREATE_INBOX);
    return inbox;
  }

  /** Appends the entries (one JSON array of entries) in one statement; resolves once committed. */
  append(entriesJson: string): Promise<void> {
    return this.run(APPEND, [entriesJson]);
  }

  /** Removes entries the main file has taken in (their ids up to `id`). */
  trimThrough(id: number): Promise<void> {
    return this.run('DELETE FROM alert_inbox WHERE id <= ?', [id]);
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.db.close((error) => (error ? reject(error) : resolve())));
  }

  private run(sql: string, parameters: unknown[] = []): Promise<void> {
    return new Promise((resolve, reject) => this.db.run(sql, parameters, (error: Error | null) => (error ? reject(error) : resolve())));
  }
}

export const CREATE_INBOX = 'CREATE TABLE IF NOT EXISTS alert_inbox (id INTEGER PRIMARY KEY, entry TEXT NOT NULL)';
/** One bound text for the whole batch: binding values one by one would be work on the event loop. */
const APPEND = 'INSERT INTO alert_inbox (entry) SELECT value FROM json_each(?)';

/** The inbox file beside the main one: `peregrine.db` → `peregrine.inbox.db`. */
export function inboxPathFor(databasePath: string): string {
  return databasePath.endsWith('.db') ? `${databasePath.slice(0, -3)}.inbox.db` : `${databasePath}.inbox`;
}
