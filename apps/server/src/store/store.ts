import type { DataSource } from 'typeorm';
import { AccountsRepository } from './accounts.repository';
import { AlertQueries } from './alert-queries';
import { type AlertLookup, AlertsRepository, findAlertsByUuid } from './alerts.repository';
import { type DatabaseSettings, openDatabase } from './database';
import { DeliveriesRepository } from './deliveries.repository';
import { ReplicasRepository } from './replicas.repository';
import { type IndexerObserver, type IndexerSettings, StoreIndexer } from './store-indexer';
import { isLockedByAnotherProcess } from './store-errors';
import { type LockedOutPolicy, StoreLock } from './store-lock';

/**
 * The store, opened once: the database (schema migrated) and one repository per table family.
 * Services receive repositories, never the DataSource; SQL and dialect differences stay here.
 */
export class Store {
  private constructor(
    /** @internal tests and benchmarks only: services receive repositories */
    readonly dataSource: DataSource,
    readonly alerts: AlertsRepository,
    readonly deliveries: DeliveriesRepository,
    readonly accounts: AccountsRepository,
    /** The replicas sharing the store and the rules each runs. */
    readonly replicas: ReplicasRepository,
    /** Fills the query indexes and the outbox from the inbox, in the background. */
    readonly indexer: StoreIndexer,
    readonly queries: AlertQueries,
  ) {}

  static async open(settings: DatabaseSettings, indexing: { settings: IndexerSettings; observer: IndexerObserver; clock: { nowMs(): number; monotonicSeconds(): number } }): Promise<Store> {
    const dataSource = await openDatabase(settings);
    const lock = writeLockFor(settings, dataSource, indexing.clock);
    const deliveries = new DeliveriesRepository(dataSource, lock);
    const alerts = await AlertsRepository.open(dataSource, deliveries, lock, settings.driver === 'sqlite' ? { sqlitePath: settings.path, synchronous: settings.synchronous, busyTimeoutMs: settings.busyTimeoutMs } : {});
    const indexer = new StoreIndexer(alerts, indexing.clock, indexing.settings, indexing.observer);
    return new Store(dataSource, alerts, deliveries, new AccountsRepository(dataSource, lock), new ReplicasRepository(dataSource, lock), indexer, new AlertQueries(dataSource, alerts, indexer));
  }

  /**
   * A second connection to a store this process has opened already, for the delivery thread:
   * the outbox and the alerts its deliveries carry, nothing else (no journal, no indexer, no
   * migration). On SQLite its writes (the outcomes of deliveries) take the write lock in turn
   * with the main connection's, waiting up to the busy timeout as any writer does.
   */
  static async openOutbox(settings: DatabaseSettings, clock: { nowMs(): number }): Promise<OutboxStore> {
    const dataSource = await openDatabase(settings, { migrate: false });
    const lock = writeLockFor(settings, dataSource, clock);
    return {
      deliveries: new DeliveriesRepository(dataSource, lock),
      alerts: { findManyByUuid: (uuids) => findAlertsByUuid(dataSource, uuids) },
      close: async () => {
        if (dataSource.isInitialized) await dataSource.destroy();
      },
    };
  }

  /** Indexes what is left in the inbox, then closes. */
  async close(): Promise<void> {
    await this.indexer.stop();
    this.alerts.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** What the delivery thread opens of the store (Store.openOutbox). */
export interface OutboxStore {
  readonly deliveries: DeliveriesRepository;
  readonly alerts: AlertLookup;
  close(): Promise<void>;
}

/** The lock a connection's writes take turns through (on SQLite, with the locked-out policy below). */
function writeLockFor(settings: DatabaseSettings, dataSource: DataSource, clock: { nowMs(): number }): StoreLock {
  return settings.driver === 'sqlite' ? new StoreLock(sqliteLockedOutPolicy(dataSource, settings.busyTimeoutMs, clock)) : new StoreLock();
}

/** While another process holds the write lock, a probe waits this long for it instead of the whole busy timeout. */
const PROBE_BUSY_TIMEOUT_MS = 100;

/** SQLite: a write that waited the busy timeout in vain makes later writes fail at once, one probe a second (StoreLock). */
function sqliteLockedOutPolicy(dataSource: DataSource, busyTimeoutMs: number, clock: { nowMs(): number }): LockedOutPolicy {
  return {
    isLockedOut: isLockedByAnotherProcess,
    probeIntervalMs: 1000,
    // Reads share the connection and its busy timeout; in WAL mode they do not need the write lock.
    changed: async (lockedOut) => {
      await dataSource.query(`PRAGMA busy_timeout = ${lockedOut ? Math.min(PROBE_BUSY_TIMEOUT_MS, busyTimeoutMs) : busyTimeoutMs}`);
    },
    nowMs: () => clock.nowMs(),
  };
}
