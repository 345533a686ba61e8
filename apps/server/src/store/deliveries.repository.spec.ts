import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Clock } from '../common/clock';
import { instantFromRfc3339 } from '../common/time';
import { enrichAlert } from '../ingest/enrichment';
import type { AcceptedAlert } from '../model/alert';
import { Store } from './store';

const time = instantFromRfc3339('2026-11-23T14:05:27.146981532Z');

function routedAlert(rule: string): AcceptedAlert {
  if (!time) throw new Error('bad fixture time');
  const alert = enrichAlert({ output: `o ${rule}`, priority: 'Warning', rule, time, output_fields: {}, source: 'syscall', tags: [], hostname: 'h' }, { customFields: {}, customTags: [], templatedFields: [], bracketReplacer: '', outputFieldFormat: '' });
  return { alert, cluster: 'c1', receivedAt: Date.now(), routes: ['webhook'] };
}

describe('DeliveriesRepository on SQLite', () => {
  let dir: string;
  let store: Store;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'peregrine-deliveries-'));
    store = await Store.open({ driver: 'sqlite', path: join(dir, 'p.db'), synchronous: 'NORMAL', busyTimeoutMs: 1000 }, { settings: { maxBatch: 100, intervalMs: 1000, backlogSeconds: 0.5, maxUnindexed: 50_000 }, observer: { indexed: () => undefined, failed: () => undefined }, clock: new Clock() });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('settling outcomes that SQLite rolls back by itself (a full disk) leaves the store writable: the next settle and the indexer commit', async () => {
    await store.alerts.append([routedAlert('first')]);
    await store.alerts.indexInbox(100, Date.now());
    const [due] = await store.deliveries.due('webhook', 10, new Set(), Date.now());
    expect(due).toBeDefined();
    const id = (due as { id: number }).id;
    // A full disk fails a transaction two ways: SQLite rolls all of it back (a COMMIT that could
    // not write), or only the statement, leaving the transaction open. The dispatcher meets both
    // while it tries again.
    const failWith = async (action: 'ROLLBACK' | 'ABORT'): Promise<void> => {
      await store.dataSource.query('DROP TRIGGER IF EXISTS deliveries_full');
      await store.dataSource.query(`CREATE TRIGGER deliveries_full BEFORE DELETE ON deliveries BEGIN SELECT RAISE(${action}, 'database or disk is full'); END`);
      await expect(store.deliveries.settle({ delivered: [id], dead: [], retries: [] })).rejects.toThrow('database or disk is full');
    };
    await failWith('ROLLBACK');
    await failWith('ABORT');
    await failWith('ROLLBACK');
    await failWith('ABORT');
    await store.dataSource.query('DROP TRIGGER deliveries_full');

    // The space is back: the outcome is recorded, and the indexer's transaction begins and commits.
    await store.deliveries.settle({ delivered: [id], dead: [], retries: [] });
    expect(await store.deliveries.due('webhook', 10, new Set(), Date.now())).toEqual([]);
    await store.alerts.append([routedAlert('second')]);
    expect(await store.alerts.indexInbox(100, Date.now())).toMatchObject({ moved: 1, stored: 1 });
    expect(await store.deliveries.due('webhook', 10, new Set(), Date.now())).toHaveLength(1);
  });
});
