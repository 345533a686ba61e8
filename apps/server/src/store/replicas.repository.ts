import type { DataSource } from 'typeorm';
import type { StoreLock } from './store-lock';

/** One replica of the store, as its last heartbeat left it. */
export interface ReplicaRecord {
  id: string;
  hostname: string;
  startedAt: number;
  lastSeen: number;
  rulesGeneration: number;
  rulesFingerprint: string | null;
  rulesLoadedAt: string | null;
}

/** Every statement on `replicas`, for both dialects (SQLite has one: the process itself). */
export class ReplicasRepository {
  private readonly postgres: boolean;

  constructor(
    private readonly dataSource: DataSource,
    private readonly lock: StoreLock,
  ) {
    this.postgres = dataSource.options.type === 'postgres';
  }

  /** Inserts or refreshes this replica's row, and forgets replicas silent since `forgetBeforeMs`. */
  async heartbeat(replica: ReplicaRecord, forgetBeforeMs: number): Promise<void> {
    const p = (n: number): string => (this.postgres ? `$${n}` : `?${n}`);
    await this.lock.run(async () => {
      await this.dataSource.query(
        `INSERT INTO replicas (id, hostname, started_at, last_seen, rules_generation, rules_fingerprint, rules_loaded_at) VALUES (${[1, 2, 3, 4, 5, 6, 7].map(p).join(', ')})
         ON CONFLICT (id) DO UPDATE SET last_seen = EXCLUDED.last_seen, rules_generation = EXCLUDED.rules_generation, rules_fingerprint = EXCLUDED.rules_fingerprint, rules_loaded_at = EXCLUDED.rules_loaded_at`,
        [replica.id, replica.hostname, replica.startedAt, replica.lastSeen, replica.rulesGeneration, replica.rulesFingerprint, replica.rulesLoadedAt],
      );
      await this.dataSource.query(`DELETE FROM replicas WHERE last_seen < ${p(1)}`, [forgetBeforeMs]);
    });
  }

  /** Replicas heard from since `sinceMs`, oldest first. */
  async heardSince(sinceMs: number): Promise<ReplicaRecord[]> {
    const rows = await this.dataSource.query<Array<{ id: string; hostname: string; started_at: number | string; last_seen: number | string; rules_generation: number; rules_fingerprint: string | null; rules_loaded_at: string | null }>>(
      `SELECT id, hostname, started_at, last_seen, rules_generation, rules_fingerprint, rules_loaded_at FROM replicas WHERE last_seen >= ${this.postgres ? '$1' : '?'} ORDER BY started_at, id`,
      [sinceMs],
    );
    return rows.map((row) => ({
      id: row.id,
      hostname: row.hostname,
      startedAt: Number(row.started_at),
      lastSeen: Number(row.last_seen),
      rulesGeneration: Number(row.rules_generation),
      rulesFingerprint: row.rules_fingerprint,
      rulesLoadedAt: row.rules_loaded_at,
    }));
  }

  /** A replica stopping cleanly leaves the list at once. */
  async remove(id: string): Promise<void> {
    await this.lock.run(() => this.dataSource.query(`DELETE FROM replicas WHERE id = ${this.postgres ? '$1' : '?'}`, [id]));
  }
}
