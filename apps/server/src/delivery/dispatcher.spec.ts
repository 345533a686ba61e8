import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ItemResult, OutputAlert, OutputInstance, OutputSender, SendResult } from '@peregrine/outputs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Clock } from '../common/clock';
import { instantFromRfc3339 } from '../common/time';
import { enrichAlert } from '../ingest/enrichment';
import { createLogger } from '../logging/logger';
import type { DeliveriesRepository, DeliveryOutcomes } from '../store/deliveries.repository';
import { Store } from '../store/store';
import { type DeliveryObserver, Dispatcher } from './dispatcher';
import { DEFAULT_RETRY } from './retry-policy';

const time = instantFromRfc3339('2026-12-02T12:00:00.000000000Z');

/** A webhook-like output: one alert per request, one request at a time. */
const instance = { name: 'hook', type: 'webhook', maxBatch: 1, maxConcurrentRequests: 1, timeoutMs: 1_000, lingerMs: 0 } as unknown as OutputInstance;

/** A sender whose `failOn`-th request fails (retryable), recording what it was asked to send. */
class ScriptedSender implements OutputSender {
  readonly instance = instance;
  readonly sent: string[] = [];
  constructor(private readonly failOn: number) {}
  async send(alerts: readonly OutputAlert[]): Promise<SendResult> {
    for (const alert of alerts) this.sent.push(alert.output);
    return this.sent.length === this.failOn ? { kind: 'retryable', reason: 'HTTP 503' } : { kind: 'ok' };
  }
  async close(): Promise<void> {}
}

const silent: DeliveryObserver = { delivered: () => undefined, failed: () => undefined, deadLettered: () => undefined, reclaimed: () => undefined };

describe('Dispatcher (one pass of an output)', () => {
  let dir: string;
  let store: Store;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'peregrine-dispatcher-'));
    store = await Store.open({ driver: 'sqlite', path: join(dir, 'p.db'), synchronous: 'NORMAL', busyTimeoutMs: 1000 }, { settings: { maxBatch: 5000, intervalMs: 60_000, backlogSeconds: 0.5, maxUnindexed: 50_000 }, observer: { indexed: () => undefined, failed: () => undefined }, clock: new Clock() });
    if (!time) throw new Error('bad fixture time');
    const alerts = Array.from({ length: 30 }, (_, n) => ({
      alert: enrichAlert({ output: `alert ${n}`, priority: 'Warning', rule: 'r', time, output_fields: { n }, source: 'syscall', tags: [], hostname: 'h' }, { customFields: {}, customTags: [], templatedFields: [], bracketReplacer: '', outputFieldFormat: '' }),
      cluster: 'c',
      receivedAt: Date.now(),
      routes: ['hook'],
    }));
    await store.alerts.append(alerts);
    await store.indexer.indexAll();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts no request after one fails: the rest of the pass stays due at once, the failed one waits for its retry', async () => {
    const sender = new ScriptedSender(3);
    const dispatcher = new Dispatcher(store.deliveries, store.alerts, [sender], new Clock(), DEFAULT_RETRY, silent, createLogger('silent'));
    const due = await dispatcher.due(instance, 100, new Set());
    expect(due).toHaveLength(30);
    await dispatcher.deliver(sender, due, { inFlight: 0, delivered: 0, failed: 0, deadLettered: 0 });
    // Two delivered, the third failed; no fourth request.
    expect(sender.sent).toEqual(['alert 0', 'alert 1', 'alert 2']);
    const left = await store.deliveries.due('hook', 100, new Set(), Date.now());
    // 27 never sent are due right away; the failed one is not (backoff), and the two sent are gone.
    expect(left).toHaveLength(27);
    expect(left.every((delivery) => delivery.attempts === 0)).toBe(true);
    const later = await store.deliveries.due('hook', 100, new Set(), Date.now() + 10 * 60_000);
    expect(later).toHaveLength(28);
    expect(later.find((delivery) => delivery.attempts === 1)).toBeDefined();
  });

  it('hands a sender that takes passes its slices whole, and records each slice while the next one is sent (one record in flight)', async () => {
    const passes: number[] = [];
    const events: string[] = [];
    const sender: OutputSender = {
      instance,
      send: () => Promise.reject(new Error('a sender that takes passes is not sent to alert by alert')),
      deliver: async (alerts: readonly OutputAlert[]): Promise<Array<ItemResult | null>> => {
        passes.push(alerts.length);
        events.push(`send ${passes.length}`);
        return alerts.map(() => ({ kind: 'ok' }));
      },
      close: async () => undefined,
    };
    // The outbox's records, held until the test lets each one finish.
    const held: Array<() => void> = [];
    const outbox = Object.create(store.deliveries) as DeliveriesRepository;
    let records = 0;
    outbox.settle = async (outcomes: DeliveryOutcomes): Promise<void> => {
      const record = ++records;
      events.push(`record ${record} begins`);
      await new Promise<void>((resolve) => held.push(resolve));
      await store.deliveries.settle(outcomes);
      events.push(`record ${record} ends`);
    };
    const dispatcher = new Dispatcher(outbox, store.alerts, [sender], new Clock(), DEFAULT_RETRY, silent, createLogger('silent'));
    const due = await dispatcher.due(instance, 100, new Set());
    const pass = dispatcher.deliver(sender, due, { inFlight: 0, delivered: 0, failed: 0, deadLettered: 0 });
    while (records < 3 || held.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      held.shift()?.();
    }
    await pass;
    expect(passes).toEqual([10, 10, 10]);
    // The second slice is sent while the first is being recorded; the third waits for that record.
    expect(events).toEqual(['send 1', 'record 1 begins', 'send 2', 'record 1 ends', 'record 2 begins', 'send 3', 'record 2 ends', 'record 3 begins', 'record 3 ends']);
    expect(await store.deliveries.due('hook', 100, new Set(), Date.now())).toHaveLength(0);
  });

  it('a record that fails fails the pass (the loop backs off) once the slice after it is sent, and nothing is lost', async () => {
    const sent: number[] = [];
    const sender: OutputSender = {
      instance,
      send: () => Promise.reject(new Error('unused')),
      deliver: async (alerts) => {
        sent.push(alerts.length);
        return alerts.map(() => ({ kind: 'ok' }));
      },
      close: async () => undefined,
    };
    const outbox = Object.create(store.deliveries) as DeliveriesRepository;
    outbox.settle = () => Promise.reject(new Error('SQLITE_FULL: database or disk is full'));
    const dispatcher = new Dispatcher(outbox, store.alerts, [sender], new Clock(), DEFAULT_RETRY, silent, createLogger('silent'));
    const due = await dispatcher.due(instance, 100, new Set());
    await expect(dispatcher.deliver(sender, due, { inFlight: 0, delivered: 0, failed: 0, deadLettered: 0 })).rejects.toThrow(/SQLITE_FULL/);
    expect(sent).toEqual([10, 10]);
    // Nothing was recorded: every delivery is still due (sent again: at least once).
    expect(await store.deliveries.due('hook', 100, new Set(), Date.now())).toHaveLength(30);
  });

  it('a pass that runs past half its lease starts no new request and releases the rest', async () => {
    let now = 0;
    const clock = Object.assign(new Clock(), { monotonicSeconds: () => now });
    const sender = new ScriptedSender(0);
    const slow: OutputSender = {
      instance,
      send: async (alerts) => {
        now += 40; // each request takes 40 s of the (60 s) lease
        return sender.send(alerts);
      },
      close: async () => undefined,
    };
    const dispatcher = new Dispatcher(store.deliveries, store.alerts, [slow], clock, DEFAULT_RETRY, silent, createLogger('silent'));
    const due = await dispatcher.due(instance, 100, new Set());
    await dispatcher.deliver(slow, due, { inFlight: 0, delivered: 0, failed: 0, deadLettered: 0 }, 1, 60_000);
    // The first slice (10 requests, settled together) ran past 30 s: the pass stops after it.
    expect(sender.sent).toHaveLength(10);
    expect(await store.deliveries.due('hook', 100, new Set(), Date.now())).toHaveLength(20);
  });
});
