import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Clock } from '../common/clock';
import { LosslessNumber, stringifyJson } from '../common/json';
import { instantFromRfc3339 } from '../common/time';
import { enrichAlert } from '../ingest/enrichment';
import type { AcceptedAlert } from '../model/alert';
import { startPostgres, type TestPostgres } from '../testing/postgres';
import type { DatabaseSettings } from './database';
import { Store } from './store';

const time = instantFromRfc3339('2026-11-23T14:05:27.146981532Z');
const NOW = 1_800_000_000_000;

function accepted(rule: string, routes: string[], uuid?: string): AcceptedAlert {
  if (!time) throw new Error('bad fixture time');
  const alert = enrichAlert(
    { output: `o ${rule}`, priority: 'Warning', rule, time, output_fields: { 'evt.time': new LosslessNumber('1795442727146981532'), 'k8s.ns.name': 'prod' }, source: 'syscall', tags: ['b', 'a'], hostname: 'h', ...(uuid ? { uuid } : {}) },
    { customFields: {}, customTags: [], templatedFields: [], bracketReplacer: '', outputFieldFormat: '' },
  );
  return { alert, cluster: 'c1', receivedAt: NOW, routes };
}

interface Dialect {
  name: string;
  settings(): DatabaseSettings;
  cleanup(): Promise<void>;
}

let postgres: TestPostgres | undefined;
const sqliteDir = mkdtempSync(join(tmpdir(), 'peregrine-repos-'));

const DIALECTS: Dialect[] = [
  { name: 'SQLite', settings: () => ({ driver: 'sqlite', path: join(sqliteDir, 'p.db'), synchronous: 'NORMAL', busyTimeoutMs: 1000 }), cleanup: async () => rmSync(sqliteDir, { recursive: true, force: true }) },
  {
    name: 'PostgreSQL',
    settings: () => {
      if (!postgres) throw new Error('PostgreSQL did not start');
      return { driver: 'postgres', url: postgres.url };
    },
    cleanup: async () => postgres?.stop(),
  },
];

beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(async () => {
  for (const dialect of DIALECTS) await dialect.cleanup();
});

// One suite, both dialects: the repositories own every statement, so both must behave alike.
describe.each(DIALECTS)('store repositories on $name', (dialect) => {
  let store: Store;

  beforeAll(async () => {
    store = await Store.open(dialect.settings(), { settings: { maxBatch: 3, intervalMs: 1000, backlogSeconds: 0.5, maxUnindexed: 50_000 }, observer: { indexed: () => undefined, failed: () => undefined }, clock: new Clock() });
  }, 30_000);
  afterAll(async () => {
    await store?.close();
  });

  it('appends to the inbox, finds an alert there by uuid, then indexes it with its deliveries exactly once', async () => {
    const first = accepted('r1', ['webhook', 'slack']);
    const resent = accepted('r1 again', ['webhook'], first.alert.uuid);
    await store.alerts.append([first, accepted('r2', []), resent]);
    await store.alerts.append([accepted('r3', ['webhook']), accepted('r4', ['slack'])]);
    expect(await store.alerts.inboxCount()).toBe(5);

    // Not indexed yet, already readable by uuid (the dashboard opens live pushes at once).
    const pending = await store.alerts.findByUuid(first.alert.uuid);
    expect(pending).toMatchObject({ rule: 'r1', cluster: 'c1', priority: 'Warning', tags: ['a', 'b'] });
    expect(stringifyJson(pending?.output_fields ?? {})).toBe('{"evt.time":1795442727146981532,"k8s.ns.name":"prod"}');

    // Batches of three: the first pass takes three entries, the resend among them stores nothing.
    const pass = await store.alerts.indexInbox(3, NOW);
    expect(pass).toMatchObject({ moved: 3, stored: 2 });
    expect(Object.fromEntries(pass.deliveries)).toEqual({ webhook: 1, slack: 1 });
    const rest = await store.alerts.indexInbox(3, NOW);
    expect(rest).toMatchObject({ moved: 2, stored: 2 });
    expect(Object.fromEntries(rest.deliveries)).toEqual({ webhook: 1, slack: 1 });
    expect(await store.alerts.indexInbox(3, NOW)).toMatchObject({ moved: 0, stored: 0 });
    expect(await store.alerts.inboxCount()).toBe(0);

    const indexed = await store.alerts.findByUuid(first.alert.uuid);
    expect(indexed?.rule).toBe('r1');
    expect(stringifyJson(indexed?.output_fields ?? {})).toBe('{"evt.time":1795442727146981532,"k8s.ns.name":"prod"}');
    const page = await store.queries.page({}, { limit: 10 });
    expect(page.total).toBe(4);

    // A resend after indexing is kept out too.
    await store.alerts.append([accepted('r1 later', ['webhook'], first.alert.uuid)]);
    expect(await store.alerts.indexInbox(10, NOW)).toMatchObject({ moved: 1, stored: 0 });
    expect(await store.deliveries.queueDepth()).toEqual(expect.arrayContaining([{ output: 'webhook', state: 'pending', count: 2 }, { output: 'slack', state: 'pending', count: 2 }]));
  });

  it('hands out due deliveries oldest first (claimed on PostgreSQL), settles outcomes in one transaction and replays dead letters', async () => {
    const due = await store.deliveries.due('webhook', 10, new Set(), NOW, 30_000);
    expect(due).toHaveLength(2);
    expect(due[0]?.id).toBeLessThan(due[1]?.id ?? 0);
    const [delivered, failing] = due;
    if (!delivered || !failing) throw new Error('expected two deliveries');
    if (dialect.name === 'PostgreSQL') {
      // Claimed: no replica gets them again until the lease ends; then any replica may.
      expect(await store.deliveries.due('webhook', 10, new Set(), NOW, 30_000)).toEqual([]);
      // Taken again after the lease: marked, since the first claimant may have sent them already.
      expect((await store.deliveries.due('webhook', 10, new Set(), NOW + 30_000, 30_000, 'other')).map((d) => [d.id, d.reclaimed])).toEqual([
        [delivered.id, true],
        [failing.id, true],
      ]);
    } else {
      // One process: its own in-flight set is what keeps a row from being handed out twice.
      expect(await store.deliveries.due('webhook', 10, new Set([delivered.id]), NOW)).toHaveLength(1);
    }
    // Claimed and never sent (a pass that stopped early): released, due again at once.
    await store.deliveries.settle({ delivered: [], dead: [], retries: [], released: { ids: [failing.id], at: NOW } });
    expect((await store.deliveries.due('webhook', 10, new Set([delivered.id]), NOW)).map((d) => [d.id, d.reclaimed])).toEqual([[failing.id, undefined]]);
    await store.deliveries.settle({ delivered: [delivered.id], dead: [], retries: [{ id: failing.id, attempts: 1, next: NOW + 60_000, reason: 'HTTP 503' }] });
    expect(await store.deliveries.due('webhook', 10, new Set(), NOW)).toEqual([]);
    expect(await store.deliveries.nextDueAt('webhook')).toBe(NOW + 60_000);
    await store.deliveries.settle({ delivered: [], dead: [{ id: failing.id, reason: 'HTTP 400' }], retries: [] });
    expect(await store.deliveries.nextDueAt('webhook')).toBeUndefined();
    expect(await store.deliveries.queueDepth()).toEqual(expect.arrayContaining([{ output: 'webhook', state: 'dead', count: 1 }]));
    expect(await store.deliveries.replayDead('webhook', NOW + 1)).toBe(1);
    const replayed = await store.deliveries.due('webhook', 10, new Set(), NOW + 1);
    expect(replayed.map((d) => ({ id: d.id, attempts: d.attempts }))).toEqual([{ id: failing.id, attempts: 0 }]);
  });

  it('deletes by age and by count, and reports its size', async () => {
    expect(await store.alerts.countUpperBound()).toBeGreaterThanOrEqual(4);
    expect(await store.alerts.sizeBytes()).toBeGreaterThan(0);
    expect(await store.alerts.deleteOldestBeyond(3)).toBe(1);
    expect(await store.alerts.deleteReceivedBefore(NOW)).toBe(0);
    expect(await store.alerts.deleteReceivedBefore(NOW + 1)).toBe(3);
    expect((await store.queries.page({}, { limit: 10 })).total).toBe(0);
  });

  it('lets reads wait for acknowledged alerts to be indexed', async () => {
    await store.alerts.append([accepted('late', [])]);
    store.indexer.appended(1);
    // The interval is a second; the read does not wait for it.
    const started = Date.now();
    expect((await store.queries.page({}, { limit: 10 })).results.map((alert) => alert.rule)).toEqual(['late']);
    expect(Date.now() - started).toBeLessThan(900);
  });

  if (dialect.name === 'PostgreSQL') {
    it('never hands the same delivery to two replicas claiming at once', async () => {
      await store.alerts.append(Array.from({ length: 20 }, (_, i) => accepted(`claim ${i}`, ['teams'])));
      await store.alerts.indexInbox(100, NOW);
      const other = await Store.open(dialect.settings(), { settings: { maxBatch: 3, intervalMs: 1000, backlogSeconds: 0.5, maxUnindexed: 50_000 }, observer: { indexed: () => undefined, failed: () => undefined }, clock: new Clock() });
      try {
        const [mine, theirs] = await Promise.all([store.deliveries.due('teams', 15, new Set(), NOW, 60_000), other.deliveries.due('teams', 15, new Set(), NOW, 60_000)]);
        const ids = [...mine, ...theirs].map((d) => d.id);
        expect(ids).toHaveLength(20);
        expect(new Set(ids).size).toBe(20);
        await store.deliveries.settle({ delivered: ids, dead: [], retries: [] });

        // Retention runs on one replica at a time: while one holds it, the other skips its turn.
        let release: () => void = () => undefined;
        const holding = store.alerts.asOneReplica(() => new Promise<string>((resolve) => (release = () => resolve('swept by the first'))));
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(await other.alerts.asOneReplica(async () => 'swept by the second')).toBeUndefined();
        release();
        expect(await holding).toBe('swept by the first');
        expect(await other.alerts.asOneReplica(async () => 'swept by the second')).toBe('swept by the second');

        // Failed sign-ins counted by one replica count on the other.
        await store.accounts.recordFailure('10.1.1.1', NOW, NOW - 60_000);
        await other.accounts.recordFailure('10.1.1.1', NOW + 1, NOW - 60_000);
        expect(await store.accounts.failuresSince('10.1.1.1', NOW - 60_000)).toEqual([NOW, NOW + 1]);
        await other.accounts.forgetFailures('10.1.1.1');
        expect(await store.accounts.failuresSince('10.1.1.1', NOW - 60_000)).toEqual([]);
      } finally {
        await other.close();
      }
    });
  }

  it('records replicas by heartbeat, lists those heard from lately, forgets the silent and the stopped', async () => {
    const replica = (id: string, lastSeen: number) => ({ id, hostname: `host-${id}`, startedAt: NOW - 1000, lastSeen, rulesGeneration: 2, rulesFingerprint: '0123456789abcdef', rulesLoadedAt: '2026-12-02T10:00:00.000Z' });
    await store.replicas.heartbeat(replica('a', NOW), NOW - 86_400_000);
    await store.replicas.heartbeat(replica('b', NOW - 60_000), NOW - 86_400_000);
    // A second heartbeat updates the row (a reload changed the rules).
    await store.replicas.heartbeat({ ...replica('a', NOW + 10), rulesGeneration: 3, rulesFingerprint: 'fedcba9876543210' }, NOW - 86_400_000);
    expect(await store.replicas.heardSince(NOW - 30_000)).toEqual([{ ...replica('a', NOW + 10), rulesGeneration: 3, rulesFingerprint: 'fedcba9876543210' }]);
    expect((await store.replicas.heardSince(NOW - 120_000)).map((r) => r.id)).toEqual(['a', 'b']);
    // Silent for longer than the forget horizon: gone at the next heartbeat.
    await store.replicas.heartbeat(replica('a', NOW + 20), NOW - 30_000);
    expect((await store.replicas.heardSince(0)).map((r) => r.id)).toEqual(['a']);
    await store.replicas.remove('a');
    expect(await store.replicas.heardSince(0)).toEqual([]);
  });

  it('keeps failed sign-ins per client within the window, forgets older ones, and forgets a client on success', async () => {
    await store.accounts.recordFailure('10.2.2.2', NOW - 70_000, NOW - 130_000);
    await store.accounts.recordFailure('10.2.2.2', NOW, NOW - 60_000);
    await store.accounts.recordFailure('10.3.3.3', NOW, NOW - 60_000);
    // The first one fell out of the window (and was deleted by the second record).
    expect(await store.accounts.failuresSince('10.2.2.2', NOW - 200_000)).toEqual([NOW]);
    await store.accounts.forgetFailures('10.2.2.2');
    expect(await store.accounts.failuresSince('10.2.2.2', 0)).toEqual([]);
    expect(await store.accounts.failuresSince('10.3.3.3', 0)).toEqual([NOW]);
  });
});
