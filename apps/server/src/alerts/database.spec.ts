import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertRecord } from './alert.entity';
import { openDatabase } from './database';

describe('openDatabase', () => {
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
});
