import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Clock } from '../common/clock';
import { Store } from '../store/store';
import { RetentionService } from './retention.service';

class FixedClock extends Clock {
  constructor(private readonly now: number) {
    super();
  }
  override nowMs(): number {
    return this.now;
  }
}

describe('RetentionService', () => {
  let dir: string;
  let dataSource: DataSource;
  let store: Store;
  const now = 1_800_000_000_000;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'peregrine-retention-'));
    store = await Store.open({ driver: 'sqlite', path: join(dir, 'p.db'), synchronous: 'NORMAL', busyTimeoutMs: 1000 }, { settings: { maxBatch: 5000, intervalMs: 50, backlogSeconds: 0.5, maxUnindexed: 50_000 }, observer: { indexed: () => undefined, failed: () => undefined }, clock: new Clock() });
    dataSource = store.dataSource;
    const values = Array.from({ length: 12_000 }, (_, i) => `('u${i}', 0, 't', 'Debug', 1, 'r', 's', 'h', 'c', NULL, NULL, 'o', '{}', '[]', ${now - (12_000 - i) * 1000})`).join(',');
    await dataSource.query(`INSERT INTO alerts (uuid, time_ns, time, priority, priority_value, rule, source, hostname, cluster, k8s_namespace, k8s_pod, output, output_fields, tags, received_at) VALUES ${values}`);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const count = async (): Promise<number> => (await dataSource.query<[{ n: number }]>('SELECT COUNT(*) AS n FROM alerts'))[0].n;

  it('deletes alerts older than the maximum age, in chunks, keeping the rest', async () => {
    const service = new RetentionService(store.alerts, new FixedClock(now), { maxAgeMs: 6_000_500, maxAlerts: 0, intervalMs: 60_000 }, pino({ level: 'silent' }));
    expect(await service.sweep()).toBe(6_000);
    expect(await count()).toBe(6_000);
    const [oldest] = await dataSource.query<[{ t: number }]>('SELECT MIN(received_at) AS t FROM alerts');
    expect(oldest.t).toBeGreaterThanOrEqual(now - 6_000_500);
  });

  it('keeps only the newest alerts beyond the maximum count', async () => {
    const service = new RetentionService(store.alerts, new FixedClock(now), { maxAgeMs: 0, maxAlerts: 100, intervalMs: 60_000 }, pino({ level: 'silent' }));
    expect(await service.sweep()).toBe(11_900);
    expect(await count()).toBe(100);
    const [newest] = await dataSource.query<[{ n: number }]>("SELECT COUNT(*) AS n FROM alerts WHERE uuid = 'u11999'");
    expect(newest.n).toBe(1);
    const [oldestKept] = await dataSource.query<[{ uuid: string }]>('SELECT uuid FROM alerts ORDER BY id LIMIT 1');
    expect(oldestKept.uuid).toBe('u11900');
    expect(await service.sweep()).toBe(0);
  });
});
