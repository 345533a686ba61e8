import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Clock } from '../common/clock';
import { legacyInboxPathFor } from './legacy-inbox';
import { Store } from './store';

/** The inbox table as Peregrine 0.1 created it in `peregrine.inbox.db`. */
const LEGACY_INBOX = `CREATE TABLE alert_inbox (
  id INTEGER PRIMARY KEY, uuid TEXT NOT NULL, time_ns INTEGER NOT NULL, time TEXT NOT NULL, priority TEXT NOT NULL,
  priority_value INTEGER NOT NULL, rule TEXT NOT NULL, source TEXT NOT NULL, hostname TEXT NOT NULL, cluster TEXT NOT NULL,
  k8s_namespace TEXT, k8s_pod TEXT, output TEXT NOT NULL, output_fields TEXT NOT NULL, tags TEXT NOT NULL,
  received_at INTEGER NOT NULL, routes TEXT NOT NULL)`;

describe('an inbox file left by Peregrine 0.1', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'peregrine-legacy-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is taken over at start: its alerts are stored with their deliveries, and the file is removed', async () => {
    const dbPath = join(dir, 'peregrine.db');
    const legacy = new Database(legacyInboxPathFor(dbPath));
    legacy.pragma('journal_mode = WAL');
    legacy.exec(LEGACY_INBOX);
    const insert = legacy.prepare('INSERT INTO alert_inbox (uuid, time_ns, time, priority, priority_value, rule, source, hostname, cluster, k8s_namespace, k8s_pod, output, output_fields, tags, received_at, routes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    insert.run('11111111-1111-4111-8111-111111111111', 1795442727146981532n, '2026-11-23T14:05:27.146981532Z', 'Warning', 5, 'Left behind', 'syscall', 'h', 'c1', 'prod', null, 'o', '{"evt.time":1795442727146981532}', '["a"]', 1_800_000_000_000, '["webhook"]');
    insert.run('22222222-2222-4222-8222-222222222222', 1795442727146981533n, '2026-11-23T14:05:27.146981533Z', 'Notice', 4, 'Left behind too', 'syscall', 'h', 'c1', null, null, 'o2', '{}', '[]', 1_800_000_000_001, '[]');
    legacy.close();

    const store = await Store.open({ driver: 'sqlite', path: dbPath, synchronous: 'NORMAL', busyTimeoutMs: 1000 }, { settings: { maxBatch: 1000, intervalMs: 1000, backlogSeconds: 0.5, maxUnindexed: 50_000 }, observer: { indexed: () => undefined, failed: () => undefined }, clock: new Clock() });
    try {
      expect(store.alerts.recovered.entries).toBe(2);
      expect(existsSync(legacyInboxPathFor(dbPath))).toBe(false);
      await store.indexer.indexAll();
      const first = await store.alerts.findByUuid('11111111-1111-4111-8111-111111111111');
      expect(first).toMatchObject({ rule: 'Left behind', time: '2026-11-23T14:05:27.146981532Z', cluster: 'c1' });
      // The int64 survives digit for digit.
      expect(JSON.stringify(first?.output_fields)).toContain('1795442727146981532');
      expect((await store.alerts.findByUuid('22222222-2222-4222-8222-222222222222'))?.rule).toBe('Left behind too');
      expect((await store.deliveries.queueDepth()).map((row) => [row.output, row.state, Number(row.count)])).toEqual([['webhook', 'pending', 1]]);
    } finally {
      await store.close();
    }
  });
});
