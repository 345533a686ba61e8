import { Gauge } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { Metrics } from '../metrics/metrics';

/** Size of the store, read when Prometheus scrapes (cheap: page counts, not a table scan). */
export function registerStoreMetrics(metrics: Metrics, dataSource: DataSource): void {
  new Gauge({
    name: 'peregrine_store_size_bytes',
    help: 'Size of the alert store on disk (SQLite pages; PostgreSQL alerts + deliveries relations).',
    registers: [metrics.registry],
    async collect() {
      if (!dataSource.isInitialized) return;
      if (dataSource.options.type === 'postgres') {
        const [row] = await dataSource.query<Array<{ size: string }>>("SELECT pg_total_relation_size('alerts') + pg_total_relation_size('deliveries') AS size");
        this.set(Number(row?.size ?? 0));
        return;
      }
      const [pages] = await dataSource.query<Array<{ page_count: number }>>('PRAGMA page_count');
      const [size] = await dataSource.query<Array<{ page_size: number }>>('PRAGMA page_size');
      this.set((pages?.page_count ?? 0) * (size?.page_size ?? 0));
    },
  });
  new Gauge({
    name: 'peregrine_store_alerts',
    help: 'Alerts kept in the store (highest id minus lowest, an upper bound that needs no scan).',
    registers: [metrics.registry],
    async collect() {
      if (!dataSource.isInitialized) return;
      const [row] = await dataSource.query<Array<{ low: number | null; high: number | null }>>('SELECT MIN(id) AS low, MAX(id) AS high FROM alerts');
      this.set(row?.low == null || row.high == null ? 0 : Number(row.high) - Number(row.low) + 1);
    },
  });
}
