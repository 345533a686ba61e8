import { resolve } from 'node:path';
import { Store } from '../store/store';
import { type MigrationCount, type MigrationProgress, StoreMigration } from '../store/store-migration';

const quiet = { indexed: () => undefined, failed: () => undefined };
const clock = { nowMs: () => Date.now(), monotonicSeconds: () => performance.now() / 1000 };
const indexing = { settings: { maxBatch: 1000, intervalMs: 1000, backlogSeconds: 0.5, maxUnindexed: 1_000_000 }, observer: quiet, clock };

/**
 * Opens both stores (each brought to the current schema; what the source's journal still holds
 * is indexed first), copies, verifies, closes.
 */
export async function migrateStore(sqlitePath: string, postgresUrl: string, batch: number, onProgress: (progress: MigrationProgress) => void): Promise<MigrationCount[]> {
  const source = await Store.open({ driver: 'sqlite', path: sqlitePath, synchronous: 'NORMAL', busyTimeoutMs: 5000 }, indexing);
  try {
    await source.indexer.indexAll();
    const target = await Store.open({ driver: 'postgres', url: postgresUrl }, indexing);
    try {
      return await new StoreMigration(source.dataSource, target.dataSource, `sqlite:${resolve(sqlitePath)}`, batch).run(onProgress);
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}
