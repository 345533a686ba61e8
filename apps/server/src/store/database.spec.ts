import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertRecord } from './alert.entity';
import { inSqliteTransaction, openDatabase, refreshPlannerStatistics } from './database';

describe('openDatabase', () => {
  it('two connections of one process (the delivery thread has its own): one waiting for the write lock with reads queued behind it does not starve the other of the thread pool', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peregrine-two-connections-'));
    const settings = { driver: 'sqlite', path: join(dir, 'p.db'), synchronous: 'NORMAL', busyTimeoutMs: 3000 } as const;
    const main = await openDatabase(settings);
    const outbox = await openDatabase(settings, { migrate: false });
    try {
      // The outbox connection holds the write lock mid-transaction…
      await outbox.query('BEGIN IMMEDIATE');
      // …while the main one waits for it, with more statements queued behind (the dashboard's reads).
      const mainBegins = main.query('BEGIN IMMEDIATE');
      const reads = Array.from({ length: 6 }, () => main.query('SELECT COUNT(*) AS count FROM alerts'));
      await new Promise((resolve) => setTimeout(resolve, 100));
      // The outbox connection still gets a thread of the pool for its next statements: it
      // finishes, and the main connection then gets the lock instead of giving up (SQLITE_BUSY
      // after the busy timeout, when its statements held every thread of the pool).
      await outbox.query('DELETE FROM deliveries WHERE id = -1');
      await outbox.query('COMMIT');
      await expect(mainBegins).resolves.toBeDefined();
      await main.query('COMMIT');
      expect(await Promise.all(reads)).toHaveLength(6);
    } finally {
      await outbox.destroy();
      await main.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('migrates to exactly the schema the entities describe (no drift between the two)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peregrine-schema-'));
    const dataSource = await openDatabase({ driver: 'sqlite', path: join(dir, 'p.db'), synchronous: 'NORMAL', busyTimeoutMs: 1000 });
    try {
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((query) => query.query)).toEqual([]);
      const indexes = (await dataSource.query<Array<{ name: string }>>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'alerts' AND name LIKE 'idx_%' ORDER BY name")).map((row) => row.name);
      expect(indexes).toEqual([
        'idx_alerts_cluster_dims', 'idx_alerts_hostname_dims', 'idx_alerts_k8s_namespace_dims', 'idx_alerts_priority_dims', 'idx_alerts_received_at',
        'idx_alerts_rule_dims', 'idx_alerts_source_dims', 'idx_alerts_time_dims', 'idx_alerts_uuid',
      ]);
      // The order of an index's columns is what makes it useful, and the schema builder does not compare it.
      for (const index of dataSource.getMetadata(AlertRecord).indices) {
        const migrated = await dataSource.query<Array<{ seqno: number; name: string }>>(`PRAGMA index_info("${index.name ?? ''}")`);
        expect(migrated.sort((a, b) => a.seqno - b.seqno).map((column) => column.name), index.name).toEqual(index.columns.map((column) => column.databaseName));
      }
    } finally {
      await dataSource.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gathers planner statistics once the alerts table has some, again after a tenth of change, not again after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peregrine-stats-'));
    const dataSource = await openDatabase({ driver: 'sqlite', path: join(dir, 'p.db'), synchronous: 'NORMAL', busyTimeoutMs: 1000 });
    const insert = (from: number, count: number): Promise<unknown> =>
      dataSource.query(
        `WITH RECURSIVE n(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM n WHERE i < ${from + count - 1})
         INSERT INTO alerts (uuid, time_ns, time, priority, priority_value, rule, source, hostname, cluster, k8s_namespace, output, output_fields, tags, received_at)
         SELECT printf('%036d', i), i * 1000000000, '2026-11-23T10:00:00Z', 'Notice', 3, 'rule ' || (i % 20), 'syscall', 'h', 'c', NULL, 'o', '{}', '[]', i FROM n`,
      );
    const statsOfRuleIndex = async (): Promise<string | undefined> =>
      (await dataSource.query<Array<{ stat: string }>>("SELECT stat FROM sqlite_stat1 WHERE idx = 'idx_alerts_rule_dims'"))[0]?.stat;
    try {
      // Empty: nothing to learn yet.
      expect(await refreshPlannerStatistics(dataSource)).toBe(false);
      await insert(1, 1000);
      // 1 000 alerts later it is worth analyzing, and then knows 20 rules of 50 alerts each.
      expect(await refreshPlannerStatistics(dataSource)).toBe(true);
      expect((await statsOfRuleIndex())?.split(' ').slice(0, 2)).toEqual(['1000', '50']);
      await insert(1001, 50);
      expect(await refreshPlannerStatistics(dataSource)).toBe(false);
      await insert(1051, 100);
      expect(await refreshPlannerStatistics(dataSource)).toBe(true);
      expect((await statsOfRuleIndex())?.split(' ')[0]).toBe('1150');
      // What stat1 recorded is the reference, so a reopened store does not analyze again.
      await dataSource.destroy();
      const reopened = await openDatabase({ driver: 'sqlite', path: join(dir, 'p.db'), synchronous: 'NORMAL', busyTimeoutMs: 1000 });
      expect(await refreshPlannerStatistics(reopened)).toBe(false);
      await reopened.destroy();
    } finally {
      if (dataSource.isInitialized) await dataSource.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a transaction SQLite rolled back by itself (as a full disk may) leaves the connection usable: the next one begins and commits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peregrine-rollback-'));
    const dataSource = await openDatabase({ driver: 'sqlite', path: join(dir, 'p.db'), synchronous: 'NORMAL', busyTimeoutMs: 1000 });
    try {
      await dataSource.query('CREATE TABLE probe (value TEXT)');
      // RAISE(ROLLBACK) ends the whole transaction from inside a statement, as SQLITE_FULL can.
      await dataSource.query("CREATE TRIGGER probe_full BEFORE INSERT ON probe WHEN NEW.value = 'full' BEGIN SELECT RAISE(ROLLBACK, 'database or disk is full'); END");
      const failing = inSqliteTransaction(dataSource, async () => {
        await dataSource.query("INSERT INTO probe VALUES ('first')");
        await dataSource.query("INSERT INTO probe VALUES ('full')");
      });
      await expect(failing).rejects.toThrow('database or disk is full');
      expect(await inSqliteTransaction(dataSource, async () => {
        await dataSource.query("INSERT INTO probe VALUES ('after')");
        return 'committed';
      })).toBe('committed');
      // No transaction was left open: a new one begins, and what was committed is there.
      await dataSource.query('BEGIN IMMEDIATE');
      await dataSource.query('COMMIT');
      expect(await dataSource.query('SELECT value FROM probe')).toEqual([{ value: 'after' }]);
      // A statement that fails while the transaction stays open is rolled back with it.
      await expect(inSqliteTransaction(dataSource, async () => {
        await dataSource.query("INSERT INTO probe VALUES ('undone')");
        await dataSource.query('INSERT INTO no_such_table VALUES (1)');
      })).rejects.toThrow('no such table');
      expect(await dataSource.query('SELECT value FROM probe')).toEqual([{ value: 'after' }]);
    } finally {
      await dataSource.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
