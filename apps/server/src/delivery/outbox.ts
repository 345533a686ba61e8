import type { EntityManager } from 'typeorm';
import type { NewAlertRow } from '../store/alert-row';
import type { RoutingTable } from './routing';

/**
 * Decides which outputs each stored alert goes to and writes their outbox rows. It runs inside
 * the alerts' transaction (see AlertWriter.addSameTransactionWork), so an acknowledged alert
 * always has its deliveries recorded: a crash right after the 200 loses nothing.
 */
export class Outbox {
  constructor(
    private readonly routing: RoutingTable,
    private readonly nowMs: () => number,
  ) {}

  /** Same-transaction work: one pending delivery per (alert, routed output). Returns the outputs touched. */
  async enqueue(manager: EntityManager, rows: readonly NewAlertRow[]): Promise<Set<string>> {
    const now = this.nowMs();
    const values: unknown[] = [];
    const touched = new Set<string>();
    let count = 0;
    for (const row of rows) {
      for (const output of this.routing.routesForRow(row)) {
        values.push(row.uuid, output, 'pending', 0, now, now);
        touched.add(output);
        count++;
      }
    }
    if (count === 0) return touched;
    const postgres = manager.connection.options.type === 'postgres';
    let n = 0;
    const tuple = (): string => `(${Array.from({ length: 6 }, () => (postgres ? `$${++n}` : '?')).join(',')})`;
    const tuples = Array.from({ length: count }, tuple).join(',');
    await manager.query(`INSERT INTO deliveries (alert_uuid, output, state, attempts, next_attempt_at, created_at) VALUES ${tuples}`, values);
    return touched;
  }
}
