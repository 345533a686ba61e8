import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import sqlite3 from 'sqlite3';
import { DataSource } from 'typeorm';
import { AlertRecord } from './alert.entity';
import { DeliveryRecord } from './delivery.entity';
import { CreateAlerts1732300000000 } from './migrations/1732300000000-create-alerts';
import { CreateDeliveries1732300000001 } from './migrations/1732300000001-create-deliveries';
import { QueryIndexes1732300000003 } from './migrations/1732300000003-query-indexes';
import { AuthSessionRecord, AuthUserRecord } from './auth.entity';
import { CreateAuth1732300000002 } from './migrations/1732300000002-create-auth';
import { AlertInbox1732300000004 } from './migrations/1732300000004-alert-inbox';
import { LiveAttachments1732300000005 } from './migrations/1732300000005-live-attachments';
import { LoginFailures1732300000006 } from './migrations/1732300000006-login-failures';
import { Replicas1732300000007 } from './migrations/1732300000007-replicas';
import { DeliveryClaims1732300000008 } from './migrations/1732300000008-delivery-claims';

export type DatabaseSettings =
  | { driver: 'sqlite'; path: string; synchronous: 'FULL' | 'NORMAL'; busyTimeoutMs: number }
  | { driver: 'postgres'; url: string };

export const ENTITIES = [AlertRecord, DeliveryRecord, AuthUserRecord, AuthSessionRecord];
export const MIGRATIONS = [CreateAlerts1732300000000, CreateDeliveries1732300000001, CreateAuth1732300000002, QueryIndexes1732300000003, AlertInbox1732300000004, LiveAttachments1732300000005, LoginFailures1732300000006, Replicas1732300000007, DeliveryClaims1732300000008];

/**
 * Opens the main store and brings its schema up to date with migrations (never `synchronize`).
 * SQLite runs in WAL mode. Alerts are acknowledged on the journal's appends (JournalInbox),
 * which follow the same `synchronous` setting: NORMAL (the default) survives a crash of the
 * process, FULL also a power cut (an fdatasync per append).
 *
 * `migrate: false` attaches to a store another connection of this process has opened and
 * migrated already (the delivery thread's own connection): the schema is taken as it is.
 */
export async function openDatabase(settings: DatabaseSettings, { migrate = true }: { migrate?: boolean } = {}): Promise<DataSource> {
  const dataSource =
    settings.driver === 'sqlite'
      ? new DataSource({
          type: 'sqlite',
          driver: sqliteWithoutTracing,
          database: prepareSqlitePath(settings.path),
          entities: ENTITIES,
          migrations: MIGRATIONS,
          migrationsRun: false,
          synchronize: false,
          enableWAL: true,
          busyTimeout: settings.busyTimeoutMs,
          logging: false,
        })
      : new DataSource({
          type: 'postgres',
          url: settings.url,
          entities: ENTITIES,
          migrations: MIGRATIONS,
          migrationsRun: false,
          synchronize: false,
          logging: false,
        });
  await dataSource.initialize();
  if (settings.driver === 'sqlite') {
    // One statement of this connection in libuv's thread pool at a time. node-sqlite3 otherwise
    // hands every queued statement to the pool at once, where all but one wait for SQLite's
    // connection mutex, each holding a pool thread: while the main connection waited for the
    // write lock (busy timeout) with its reads queued behind, they held all four threads, and
    // the delivery thread's connection, holding that lock mid-transaction, could not get one to
    // run its COMMIT. Both stalled for the whole busy timeout (dashboard reads took 4–6 s in
    // the soak); serialized, each connection takes one thread and the pool has room for both.
    sqliteConnection(dataSource).serialize();
    await dataSource.query(`PRAGMA synchronous = ${settings.synchronous}`);
    // The indexer rewrites the same index pages batch after batch: checkpointing every 40 MiB of
    // log instead of SQLite's 4 MiB writes each of them back far less often (a quarter less time
    // per batch of 1 000 alerts, measured on an 80 000-alert store). Reads are unaffected.
    await dataSource.query('PRAGMA wal_autocheckpoint = 10000');
    await dataSource.query('PRAGMA foreign_keys = ON');
  }
  if (!migrate) return dataSource;
  await dataSource.runMigrations({ transaction: 'each' });
  await refreshPlannerStatistics(dataSource);
  return dataSource;
}

/**
 * The dashboard's queries lean on SQLite's planner choosing the dimension index with the fewest
 * entries and skipping through it, which it only does with statistics (sqlite_stat1) that say
 * how the values are spread. They are gathered when the alerts table has none yet, or has grown
 * or shrunk by more than a tenth since they were (stat1 keeps the row count they saw, so a
 * restart does not redo them; `PRAGMA optimize` would never analyze a table that started
 * empty). A full ANALYZE: a sampled one (analysis_limit) guesses a few thousand alerts per value
 * for every field alike, and the planner then picks among them blindly. At 1 000 000 alerts it
 * takes about 2 s, in SQLite's thread: the writer queues meanwhile. PostgreSQL's autovacuum
 * keeps its own statistics. Resolves with whether it analyzed.
 */
export async function refreshPlannerStatistics(dataSource: DataSource): Promise<boolean> {
  if (dataSource.options.type !== 'sqlite') return false;
  const [counted] = await dataSource.query<Array<{ count: number }>>('SELECT COUNT(*) AS count FROM alerts');
  const rows = Number(counted?.count ?? 0);
  const analyzedAt = await analyzedAlertRows(dataSource);
  if (analyzedAt === undefined ? rows === 0 : Math.abs(rows - analyzedAt) <= analyzedAt * STATISTICS_DRIFT) return false;
  await dataSource.query('PRAGMA analysis_limit = 0');
  await dataSource.query('ANALYZE');
  return true;
}

const STATISTICS_DRIFT = 0.1;

/**
 * Runs `work` between `BEGIN IMMEDIATE` and `COMMIT` on SQLite's one connection (the work's
 * statements, through any repository, run on it too), and `ROLLBACK` on failure, whatever state
 * SQLite was left in. Not TypeORM's `transaction()`: when a statement fails with SQLITE_FULL,
 * SQLite may already have rolled the transaction back; TypeORM's own ROLLBACK then fails, and
 * its query runner keeps believing a transaction is open, so every later `transaction()` is a
 * SAVEPOINT, and the next failed one is undone with ROLLBACK TO, which leaves SQLite's
 * transaction open. After a full disk the connection stayed inside that transaction for good:
 * nothing committed again, and the indexer could not begin (deliveries.repository.spec.ts,
 * apps/server/src/app/store-outage.int.spec.ts).
 */
export async function inSqliteTransaction<T>(dataSource: DataSource, work: () => Promise<T>): Promise<T> {
  await dataSource.query('BEGIN IMMEDIATE');
  let result: T;
  try {
    result = await work();
    await dataSource.query('COMMIT');
  } catch (error) {
    // "no transaction is active" when SQLite rolled back already: nothing more to undo.
    await dataSource.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return result;
}

/** How many alerts the last ANALYZE saw (the first number of an index's stat1 row), if any did. */
async function analyzedAlertRows(dataSource: DataSource): Promise<number | undefined> {
  const [table] = await dataSource.query<Array<{ name: string }>>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'");
  if (!table) return undefined;
  const [stat] = await dataSource.query<Array<{ stat: string }>>("SELECT stat FROM sqlite_stat1 WHERE tbl = 'alerts' AND idx = 'idx_alerts_time_dims'");
  return stat ? Number(stat.stat.split(' ')[0]) : undefined;
}

/** node-sqlite3's connection under TypeORM's SQLite driver. */
export function sqliteConnection(dataSource: DataSource): sqlite3.Database {
  return (dataSource.driver as unknown as { databaseConnection: sqlite3.Database }).databaseConnection;
}

/**
 * TypeORM calls `sqlite3.verbose()`, which wraps every call to capture a stack trace and
 * `util.inspect` all its parameters — on the event loop, for every batch. That cost more than
 * the rest of ingest together, so TypeORM gets a driver whose `verbose()` changes nothing.
 */
const sqliteWithoutTracing = { ...sqlite3, verbose: () => sqliteWithoutTracing };

function prepareSqlitePath(path: string): string {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  return path;
}
