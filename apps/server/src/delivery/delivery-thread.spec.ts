import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type OutputInstance, parseOutputsConfig } from '@peregrine/outputs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Clock } from '../common/clock';
import { instantFromRfc3339 } from '../common/time';
import { enrichAlert } from '../ingest/enrichment';
import { createLogger } from '../logging/logger';
import type { AcceptedAlert } from '../model/alert';
import type { DatabaseSettings } from '../store/database';
import { Store } from '../store/store';
import { DeliveryThread, deliveryThreadWorkerFile } from './delivery-thread';
import type { DeliveryObserver } from './dispatcher';
import { DEFAULT_RETRY } from './retry-policy';

const time = instantFromRfc3339('2026-11-23T14:05:27.146981532Z');

function routedAlert(rule: string): AcceptedAlert {
  if (!time) throw new Error('bad fixture time');
  const alert = enrichAlert({ output: `o ${rule}`, priority: 'Warning', rule, time, output_fields: {}, source: 'syscall', tags: [], hostname: 'h' }, { customFields: {}, customTags: [], templatedFields: [], bracketReplacer: '', outputFieldFormat: '' });
  return { alert, cluster: 'c1', receivedAt: Date.now(), routes: ['webhook'] };
}

/** Observer and logger that record what the thread reports back. */
function recorders(): { observer: DeliveryObserver; events: string[]; logger: ReturnType<typeof createLogger>; logs: () => Array<Record<string, unknown>> } {
  const events: string[] = [];
  const lines: string[] = [];
  const logger = createLogger(
    'info',
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
        callback();
      },
    }),
  );
  return {
    observer: {
      delivered: (instance, count) => events.push(`delivered ${instance.name} ${count}`),
      failed: (instance, count) => events.push(`failed ${instance.name} ${count}`),
      deadLettered: (instance, count) => events.push(`dead ${instance.name} ${count}`),
      reclaimed: (instance, count) => events.push(`reclaimed ${instance.name} ${count}`),
    },
    events,
    logger,
    logs: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('DeliveryThread (the dispatcher on a thread of its own)', () => {
  let sink: Server;
  let url: string;
  const received: string[] = [];
  let dir: string;
  let settings: Extract<DatabaseSettings, { driver: 'sqlite' }>;
  let store: Store;
  let webhook: OutputInstance;

  beforeAll(async () => {
    if (!existsSync(deliveryThreadWorkerFile())) throw new Error(`${deliveryThreadWorkerFile()} is missing: build first (npm test does)`);
    // A webhook sink that takes every alert except those of rule "refused" (400: a dead letter).
    sink = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const alert = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { rule: string };
        received.push(alert.rule);
        response.writeHead(alert.rule === 'refused' ? 400 : 200, { 'content-type': 'text/plain' }).end(alert.rule === 'refused' ? 'no such rule here' : 'ok');
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/`;
    const parsed = parseOutputsConfig({}, { WEBHOOK_ADDRESS: url });
    expect(parsed.problems).toEqual([]);
    webhook = parsed.instances[0] as OutputInstance;
  });
  afterAll(() => new Promise<void>((resolve) => sink.close(() => resolve())));

  beforeEach(async () => {
    received.length = 0;
    dir = mkdtempSync(join(tmpdir(), 'peregrine-delivery-thread-'));
    settings = { driver: 'sqlite', path: join(dir, 'p.db'), synchronous: 'NORMAL', busyTimeoutMs: 1000 };
    store = await Store.open(settings, { settings: { maxBatch: 100, intervalMs: 1000, backlogSeconds: 0.5, maxUnindexed: 50_000 }, observer: { indexed: () => undefined, failed: () => undefined }, clock: new Clock() });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers from the store on its own connection, records the outcomes there, and reports metrics, live state and logs back', async () => {
    const { observer, events, logger, logs } = recorders();
    const thread = new DeliveryThread({ database: settings, retry: DEFAULT_RETRY, claimant: 'test' }, [webhook], observer, logger);
    thread.start();
    try {
      await store.alerts.append([routedAlert('first'), routedAlert('refused'), routedAlert('second'), routedAlert('third')]);
      await store.alerts.indexInbox(100, Date.now());
      thread.wake(['webhook']);

      await until(async () => (await store.deliveries.queueDepth()).every((row) => row.state !== 'pending'), 'the outbox to hold no pending delivery');
      // A pass stops at its first failure: what came after "refused" goes out at the next pass.
      expect([...received].sort()).toEqual(['first', 'refused', 'second', 'third']);
      expect(await store.deliveries.queueDepth()).toEqual([{ output: 'webhook', state: 'dead', count: 1 }]);

      // The live state follows within a quarter of a second of the pass's end.
      await until(() => thread.state('webhook')?.delivered === 3 && thread.state('webhook')?.inFlight === 0, 'the live state to count three deliveries, none in flight');
      const state = thread.state('webhook');
      expect(state).toMatchObject({ inFlight: 0, delivered: 3, failed: 1, deadLettered: 1 });
      expect(state?.lastError?.reason).toContain('400');
      expect(state?.lastSuccessAt).toBeGreaterThan(0);
      expect(thread.state('nonexistent')).toBeUndefined();

      const delivered = events.filter((event) => event.startsWith('delivered webhook')).reduce((sum, event) => sum + Number(event.split(' ')[2]), 0);
      expect(delivered).toBe(3);
      expect(events).toContain('dead webhook 1');
      expect(events).toContain('failed webhook 1');
      await until(() => logs().some((line) => line['code'] === 'DELIVERY_DEAD_LETTER'), 'the dead letter to be logged');
      expect(logs().find((line) => line['code'] === 'DELIVERY_DEAD_LETTER')).toMatchObject({ level: 40, component: 'delivery', output: 'webhook', count: 1 });
      expect(logs().filter((line) => line['code'] === 'DELIVERY_THREAD_STARTED')).toHaveLength(1);
    } finally {
      await thread.stop();
    }
    // Stopped: new deliveries stay in the outbox for the next start.
    await store.alerts.append([routedAlert('after stop')]);
    await store.alerts.indexInbox(100, Date.now());
    thread.wake(['webhook']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received).not.toContain('after stop');
    expect((await store.deliveries.queueDepth()).find((row) => row.state === 'pending')?.count).toBe(1);
  });

  it('starts another thread after one ended, keeping the counts of the first', async () => {
    const { observer, logger, logs } = recorders();
    // A store the thread cannot open (its path is a folder): each thread fails at start, and the next follows.
    const folder = join(dir, 'not-a-database');
    mkdirSync(folder);
    const broken = new DeliveryThread({ database: { ...settings, path: folder }, retry: DEFAULT_RETRY, claimant: 'test' }, [webhook], observer, logger, { restartDelayMs: 20 });
    broken.start();
    await until(() => logs().filter((line) => line['code'] === 'DELIVERY_THREAD_FAILED').length >= 4, 'two failed starts to be reported');
    await broken.stop();
    expect(broken.state('webhook')).toMatchObject({ inFlight: 0, delivered: 0 });

    // A working thread stopped mid-way and started again: the outputs page counts since start-up.
    const thread = new DeliveryThread({ database: settings, retry: DEFAULT_RETRY, claimant: 'test' }, [webhook], observer, logger, { restartDelayMs: 20 });
    thread.start();
    try {
      await store.alerts.append([routedAlert('one'), routedAlert('two')]);
      await store.alerts.indexInbox(100, Date.now());
      thread.wake(['webhook']);
      await until(() => thread.state('webhook')?.delivered === 2, 'two deliveries');
      await thread.stop();
      thread.start();
      await store.alerts.append([routedAlert('three')]);
      await store.alerts.indexInbox(100, Date.now());
      thread.wake(['webhook']);
      await until(() => thread.state('webhook')?.delivered === 3, 'the third delivery, counted after the first two');
    } finally {
      await thread.stop();
    }
  });
});
