import { Gauge } from 'prom-client';
import type { Metrics } from '../metrics/metrics';
import type { AlertsRepository } from './alerts.repository';

/** Size of the store, read when Prometheus scrapes (cheap: page counts, not a table scan). */
export function registerStoreMetrics(metrics: Metrics, alerts: AlertsRepository): void {
  new Gauge({
    name: 'peregrine_store_size_bytes',
    help: 'Size of the alert store on disk (SQLite pages of the main and inbox files; PostgreSQL alerts, deliveries and inbox relations).',
    registers: [metrics.registry],
    async collect() {
      this.set(await alerts.sizeBytes());
    },
  });
  new Gauge({
    name: 'peregrine_store_alerts',
    help: 'Alerts kept in the store (highest id minus lowest, an upper bound that needs no scan).',
    registers: [metrics.registry],
    async collect() {
      this.set(await alerts.countUpperBound());
    },
  });
}
