import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Clock } from '../common/clock';
import type { PeregrineError } from '../common/errors';
import { LosslessNumber } from '../common/json';
import { type Instant, instantFromRfc3339 } from '../common/time';
import { enrichAlert } from './enrichment';
import { type AlertAppender, AlertWriter, type WriterObserver } from './alert-writer';
import type { AcceptedAlert } from '../model/alert';
import { Store } from '../store/store';

const time = mustParse('2026-11-23T14:05:27.146981532Z');

function alert(rule: string, uuid?: string): AcceptedAlert {
  const enriched = enrichAlert(
    { output: 'o', priority: 'Warning', rule, time, output_fields: { 'evt.time': new LosslessNumber('1795442727146981532'), 'k8s.ns.name': 'prod' }, source: 'syscall', tags: [], hostname: 'h', ...(uuid ? { uuid } : {}) },
    { customFields: {}, customTags: [], templatedFields: [], bracketReplacer: '', outputFieldFormat: '' },
  );
  return { alert: enriched, cluster: 'c1', receivedAt: 1_800_000_000_000, routes: [] };
}

describe('AlertWriter (group commit into the store inbox)', () => {
  let dir: string;
  let store: Store;
  let batches: number[];
  let failures: number;
  const observer: WriterObserver = { batchCommitted: (rows) => batches.push(rows), batchFailed: () => failures++ };
  const silent = { indexed: () => undefined, failed: () => undefined };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'peregrine-writer-'));
    store = await Store.open({ driver: 'sqlite', path: join(dir, 'p.db'), synchronous: 'FULL', busyTimeoutMs: 50 }, { settings: { maxBatch: 5000, intervalMs: 1000, backlogSeconds: 0.5, maxUnindexed: 50_000 }, observer: silent, clock: new Clock() });
    batches = [];
    failures = 0;
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const query = <T>(sql: string): Promise<T> => store.dataSource.query<T>(sql);

  it('commits concurrent writes together, resolves each only once durable, and the indexer stores them exactly', async () => {
    const writer = new AlertWriter(store.alerts, new Clock(), { maxBatch: 500, maxPending: 1000 }, observer);
    await Promise.all(Array.from({ length: 200 }, (_, i) => writer.write(alert(`rule ${i}`))));
    expect(batches.reduce((a, b) => a + b, 0)).toBe(200);
    expect(batches.length).toBeLessThan(20);
    // Durable in the inbox, not indexed yet (the interval is long here).
    expect(await store.alerts.inboxCount()).toBe(200);
    await store.indexer.indexAll();
    const [{ count }] = await query<[{ count: number }]>('SELECT COUNT(*) AS count FROM alerts');
    expect(count).toBe(200);
    expect(await store.alerts.inboxCount()).toBe(0);
    const [row] = await query<[{ ns: string; output_fields: string; k8s_namespace: string }]>("SELECT CAST(time_ns AS TEXT) AS ns, output_fields, k8s_namespace FROM alerts WHERE rule = 'rule 7'");
    expect(row).toEqual({ ns: '1795442727146981532', output_fields: '{"evt.time":1795442727146981532,"k8s.ns.name":"prod"}', k8s_namespace: 'prod' });
  });

  it('respects the batch size', async () => {
    const writer = new AlertWriter(store.alerts, new Clock(), { maxBatch: 10, maxPending: 1000 }, observer);
    await Promise.all(Array.from({ length: 35 }, (_, i) => writer.write(alert(`r${i}`))));
    expect(Math.max(...batches)).toBeLessThanOrEqual(10);
  });

  it('stores a uuid once even when it is written twice', async () => {
    const writer = new AlertWriter(store.alerts, new Clock(), { maxBatch: 10, maxPending: 10 }, observer);
    const uuid = '0b8e4a4f-3c1e-4a8e-9d3b-2f6a1c9e7d10';
    await writer.write(alert('first', uuid));
    await writer.write(alert('again', uuid));
    await store.indexer.indexAll();
    await writer.write(alert('later', uuid));
    await store.indexer.indexAll();
    expect(await query('SELECT rule FROM alerts')).toEqual([{ rule: 'first' }]);
  });

  it('refuses with STORE_OVERLOADED beyond the pending limit instead of growing memory', async () => {
    const writer = new AlertWriter(store.alerts, new Clock(), { maxBatch: 5, maxPending: 5 }, observer);
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => writer.write(alert(`r${i}`))));
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    expect((refused[0]?.reason as PeregrineError).code).toBe('STORE_OVERLOADED');
    expect((refused[0]?.reason as PeregrineError).retryAfterSeconds).toBeGreaterThan(0);
  });

  it('rejects every alert of a batch that cannot commit with STORE_UNAVAILABLE, and drains', async () => {
    const broken: AlertAppender = { append: () => Promise.reject(new Error('SQLITE_IOERR: disk I/O error')) };
    const writer = new AlertWriter(broken, new Clock(), { maxBatch: 50, maxPending: 100 }, observer);
    const results = await Promise.allSettled([writer.write(alert('a')), writer.write(alert('b'))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(((results[0] as PromiseRejectedResult).reason as PeregrineError).code).toBe('STORE_UNAVAILABLE');
    expect(failures).toBeGreaterThan(0);
    await writer.drain();
  });
});

function mustParse(text: string): Instant {
  const instant = instantFromRfc3339(text);
  if (!instant) throw new Error(`bad fixture time ${text}`);
  return instant;
}
