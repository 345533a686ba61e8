import type { DataSource } from 'typeorm';
import { AccountsRepository } from './accounts.repository';
import { AlertQueries } from './alert-queries';
import { AlertsRepository } from './alerts.repository';
import { type DatabaseSettings, openDatabase } from './database';
import { DeliveriesRepository } from './deliveries.repository';
import { ReplicasRepository } from './replicas.repository';
import { type IndexerObserver, type IndexerSettings, StoreIndexer } from './store-indexer';
import { StoreLock } from './store-lock';

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
    const lock = new StoreLock();
    const deliveries = new DeliveriesRepository(dataSource, lock);
    const alerts = await AlertsRepository.open(dataSource, deliveries, lock, settings.driver === 'sqlite' ? { sqlitePath: settings.path, synchronous: settings.synchronous, busyTimeoutMs: settings.busyTimeoutMs } : {});
    const indexer = new StoreIndexer(alerts, indexing.clock, indexing.settings, indexing.observer);
    return new Store(dataSource, alerts, deliveries, new AccountsRepository(dataSource, lock), new ReplicasRepository(dataSource, lock), indexer, new AlertQueries(dataSource, alerts, indexer));
  }

  /** Indexes what is left in the inbox, then closes. */
  async close(): Promise<void> {
    await this.indexer.stop();
    this.alerts.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
