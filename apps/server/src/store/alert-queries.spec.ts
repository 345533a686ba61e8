import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRIORITIES } from '@peregrine/engine';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertFilter } from '../alerts/alert-filter';
import { AlertQueries, type AlertStats, type GroupBy } from './alert-queries';
import { openDatabase } from './database';
import type { AlertsRepository } from './alerts.repository';

interface Row {
  id: number;
  timeMs: number;
  priorityValue: number;
  rule: string;
  source: string;
  cluster: string;
  namespace: string | null;
}

const HOUR = 3_600_000;
const START_MS = Date.UTC(2026, 10, 20, 9, 17);
const COUNT = 3000;

/** A small deterministic generator, so a failure replays. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

function expectedStats(rows: readonly Row[], by: 'priority' | 'source' | 'namespace', bucketMs: number): Pick<AlertStats, 'results' | 'total' | 'timeline'> {
  const valueOf = (row: Row): string => (by === 'priority' ? (PRIORITIES[row.priorityValue - 1] ?? '') : by === 'source' ? row.source : (row.namespace ?? ''));
  const results: Record<string, number> = {};
  const buckets = new Map<number, Record<string, number>>();
  for (const row of rows) {
    const value = valueOf(row);
    if (value !== '') results[value] = (results[value] ?? 0) + 1;
    const start = Math.floor(row.timeMs / bucketMs) * bucketMs;
    const counts = buckets.get(start) ?? {};
    counts[value] = (counts[value] ?? 0) + 1;
    buckets.set(start, counts);
  }
  const timeline = [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([start, counts]) => ({ start: new Date(start).toISOString(), counts }));
  return { results, total: rows.length, timeline };
}

async function insertRows(dataSource: DataSource, rows: readonly Row[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 400) {
    const chunk = rows.slice(i, i + 400);
    await dataSource.query(
      `INSERT INTO alerts (uuid, time_ns, time, priority, priority_value, rule, source, hostname, cluster, k8s_namespace, k8s_pod, output, output_fields, tags, received_at) VALUES ${chunk.map(() => '(?,?,?,?,?,?,?,?,?,?,NULL,?,?,?,?)').join(',')}`,
      chunk.flatMap((row) => [
        `00000000-0000-4000-8000-${row.id.toString(16).padStart(12, '0')}`,
        `${row.timeMs}000000`,
        new Date(row.timeMs).toISOString(),
        PRIORITIES[row.priorityValue - 1],
        row.priorityValue,
        row.rule,
        row.source,
        `node-${row.id % 7}`,
        row.cluster,
        row.namespace,
        `${row.rule} in ${row.namespace ?? 'none'}`,
        '{}',
        '[]',
        row.timeMs,
      ]),
    );
  }
}

const idOf = (uuid: string): number => Number.parseInt(uuid.slice(-12), 16);

describe('AlertQueries order', () => {
  it('lists by event time, newest first, whatever order the alerts arrived in; ties latest stored first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peregrine-order-'));
    const dataSource = await openDatabase({ driver: 'sqlite', path: join(dir, 'p.db'), synchronous: 'NORMAL', busyTimeoutMs: 1000 });
    try {
      // Stored in this order (ids 1…8); event times out of order, two pairs at the same instant.
      const minutes = [5, 1, 9, 5, 3, 9, 0, 7];
      const arrived: Row[] = minutes.map((minute, i) => ({ id: i + 1, timeMs: START_MS + minute * 60_000, priorityValue: 4, rule: 'R', source: 'syscall', cluster: 'c', namespace: null }));
      await insertRows(dataSource, arrived);
      const expected = [...arrived].sort((a, b) => b.timeMs - a.timeMs || b.id - a.id).map((row) => row.id);
      expect(expected).toEqual([6, 3, 8, 4, 1, 5, 2, 7]);
      const service = readsOf(dataSource);
      const paged: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await service.page({}, { limit: 3, ...(cursor ? { cursor } : {}) });
        paged.push(...page.results.map((alert) => idOf(alert.uuid)));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(paged).toEqual(expected);
      const streamed: number[] = [];
      for await (const alert of service.stream({}, 2)) streamed.push(idOf(alert.uuid));
      expect(streamed).toEqual(expected);
      await expect(service.page({}, { limit: 3, cursor: Buffer.from('id:4').toString('base64url') })).rejects.toMatchObject({ code: 'INVALID_FIELD' });
    } finally {
      await dataSource.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('AlertQueries over a real SQLite store', () => {
  let dir: string;
  let dataSource: DataSource;
  const rows: Row[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'peregrine-query-'));
    dataSource = await openDatabase({ driver: 'sqlite', path: join(dir, 'p.db'), synchronous: 'NORMAL', busyTimeoutMs: 1000 });
    const next = random(7);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T;
    for (let id = 1; id <= COUNT; id++) {
      // Irregular gaps, a quiet stretch, and alerts exactly on bucket edges.
      const previous = rows[rows.length - 1]?.timeMs ?? START_MS;
      const gap = id % 500 === 0 ? 5 * HOUR : id % 97 === 0 ? 0 : Math.floor(next() * 120_000);
      const timeMs = id % 50 === 0 ? Math.ceil(previous / HOUR) * HOUR : previous + gap;
      rows.push({ id, timeMs, priorityValue: 1 + Math.floor(next() * 8), rule: pick(['Shell', 'Write below etc', 'Créer un pod privilégié']), source: pick(['syscall', 'k8s_audit', 'aws_cloudtrail']), cluster: pick(['eu', 'us']), namespace: pick([null, 'prod-1', 'prod-2', '', 'kube-system']) });
    }
    await insertRows(dataSource, rows);
  }, 60_000);

  afterAll(async () => {
    await dataSource?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const filters: Array<{ name: string; filter: AlertFilter; keep: (row: Row) => boolean }> = [
    { name: 'no filter', filter: {}, keep: () => true },
    { name: 'at least Warning, one cluster', filter: { minPriority: 'Warning', clusters: ['eu'] }, keep: (row) => row.priorityValue >= 4 && row.cluster === 'eu' },
    {
      name: 'a time range and a namespace',
      filter: { fromNs: BigInt(START_MS + 10 * HOUR) * 1_000_000n, untilNs: BigInt(START_MS + 30 * HOUR) * 1_000_000n, namespaces: ['prod-1'] },
      keep: (row) => row.timeMs >= START_MS + 10 * HOUR && row.timeMs <= START_MS + 30 * HOUR && row.namespace === 'prod-1',
    },
  ];

  for (const { name, filter, keep } of filters) {
    for (const by of ['priority', 'source', 'namespace'] as const) {
      it(`counts and buckets by ${by} (${name}) exactly, probing or grouping alike`, async () => {
        const probing = readsOf(dataSource);
        const grouping = readsOf(dataSource, { maxTimelineProbes: 0 });
        const expected = expectedStats(rows.filter(keep), by, HOUR);
        const options = { by: by as GroupBy, bucket: HOUR, nowMs: START_MS + 100 * HOUR };
        const probed = await probing.stats(filter, options);
        expect(probed).toEqual({ by, ...expected, bucketMs: HOUR });
        expect(await grouping.stats(filter, options)).toEqual(probed);
        const auto = await probing.stats(filter, { ...options, bucket: 'auto' });
        expect(auto.timeline).toEqual(expectedStats(rows.filter(keep), by, auto.bucketMs ?? 0).timeline);
        expect(await grouping.stats(filter, { ...options, bucket: 'auto' })).toEqual(auto);
      });
    }
  }

  it('keeps the top values, largest first, ties by value', async () => {
    const stats = await readsOf(dataSource).stats({}, { by: 'rule', top: 2, nowMs: START_MS });
    const counts = new Map<string, number>();
    for (const row of rows) counts.set(row.rule, (counts.get(row.rule) ?? 0) + 1);
    const expected = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 2);
    expect(Object.entries(stats.results)).toEqual(expected);
    expect(stats.total).toBe(COUNT);
  });

  it('pages newest first through every matching alert, with the total', async () => {
    const service = readsOf(dataSource);
    const filter: AlertFilter = { sources: ['k8s_audit'], minPriority: 'Notice' };
    const expected = rows.filter((row) => row.source === 'k8s_audit' && row.priorityValue >= 3).map((row) => row.id).reverse();
    const seen: number[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await service.page(filter, { limit: 97, ...(cursor ? { cursor } : {}) });
      expect(page.total).toBe(expected.length);
      seen.push(...page.results.map((alert) => idOf(alert.uuid)));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(expected);
  });
});

/** The queries over a table these tests fill themselves: nothing waits in an inbox, no uuid is looked up. */
function readsOf(dataSource: DataSource, tuning?: { maxTimelineProbes: number }): AlertQueries {
  const noInbox = {} as AlertsRepository;
  return new AlertQueries(dataSource, noInbox, { caughtUp: () => Promise.resolve() }, tuning);
}
