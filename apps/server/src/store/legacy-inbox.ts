import { existsSync } from 'node:fs';
import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { ROW_COLUMNS } from './alert-row';

/**
 * Peregrine 0.1's acknowledgement path kept its inbox in a SQLite file beside the main one
 * (`peregrine.inbox.db`). A clean stop left it empty; a crash could leave acknowledged alerts
 * in it. At start they are read here, handed to the journal (JournalInbox), and the file is
 * removed: an upgrade loses nothing.
 *
 * better-sqlite3 reads it because that is the library that wrote it; the main file is never
 * opened with it (two copies of SQLite in one process do not see each other's POSIX locks).
 */
export function takeLegacyInbox(databasePath: string): unknown[][] | undefined {
  const path = legacyInboxPathFor(databasePath);
  if (!existsSync(path)) return undefined;
  const db = new Database(path);
  let rows: unknown[][];
  try {
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alert_inbox'").get() !== undefined;
    rows = hasTable
      ? db
          .prepare<[], unknown[]>(`SELECT ${ROW_COLUMNS.map(([column]) => (column === 'time_ns' ? 'CAST(time_ns AS TEXT)' : column)).join(', ')}, routes FROM alert_inbox ORDER BY id`)
          .raw(true)
          .all()
      : [];
  } finally {
    db.close();
  }
  return rows;
}

/** Removes the old inbox file once its rows are safe in the journal. */
export function removeLegacyInbox(databasePath: string): void {
  const path = legacyInboxPathFor(databasePath);
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}

/** `peregrine.db` → `peregrine.inbox.db` (0.1's inbox file). */
export function legacyInboxPathFor(databasePath: string): string {
  return databasePath.endsWith('.db') ? `${databasePath.slice(0, -3)}.inbox.db` : `${databasePath}.inbox`;
}
