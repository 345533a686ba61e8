import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJson, stringifyJson, type JsonValue } from '../common/json';
import { startTestServer, type TestServer } from '../testing/test-server';

const alertText = readFileSync(join(__dirname, '../../../../fixtures/alerts/falco-terminal-shell.json'), 'utf8').trim();
const withRule = (rule: string, priority = 'Notice'): string => stringifyJson({ ...(parseJson(alertText) as Record<string, JsonValue>), rule, priority });

/** A webhook receiver whose answer the test sets: a real HTTP peer, not a mock. */
class Sink {
  readonly received: Array<{ body: string; headers: IncomingMessage['headers']; at: number }> = [];
  answer: { status: number; headers?: Record<string, string> } = { status: 200 };
  private server: Server | undefined;
  port = 0;

  async start(port = 0): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const { status, headers } = this.answer;
        if (status === 200) this.received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: request.headers, at: Date.now() });
        response.writeHead(status, headers).end(status === 200 ? '' : 'sink says no');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    this.port = (this.server?.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
  }

  uuids(): string[] {
    return this.received.map((r) => (JSON.parse(r.body) as { uuid: string }).uuid);
  }
}

async function post(server: TestServer, body: string): Promise<number> {
  return (await fetch(`${server.compatUrl}/`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })).status;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface OutputStatusBody {
  name: string;
  queueDepth: number;
  deadLetters: number;
  delivered: number;
  lastError: { reason: string } | null;
  config: Record<string, unknown>;
}

const outputs = async (server: TestServer): Promise<OutputStatusBody[]> => (await (await fetch(`${server.mainUrl}/api/v1/outputs`)).json()) as OutputStatusBody[];

describe('delivery from the outbox (webhook output against a real HTTP receiver)', () => {
  let sink: Sink;
  const fast = { PEREGRINE_DELIVERY_INITIAL_BACKOFF: '50ms', PEREGRINE_DELIVERY_MAX_BACKOFF: '200ms' };

  beforeEach(async () => {
    sink = new Sink();
    await sink.start();
  });
  afterEach(async () => {
    await sink.stop();
  });

  it("delivers each stored alert with falcosidekick's payload, honouring minimumpriority and the test-rule bypass", async () => {
    const server = await startTestServer({ ...fast, WEBHOOK_ADDRESS: `http://127.0.0.1:${sink.port}/hook`, WEBHOOK_MINIMUMPRIORITY: 'warning' });
    try {
      expect(await post(server, withRule('loud', 'Critical'))).toBe(200);
      expect(await post(server, withRule('quiet', 'Notice'))).toBe(200);
      expect((await fetch(`${server.compatUrl}/test`, { method: 'POST' })).status).toBe(200);
      await until(() => sink.received.length === 2);
      const bodies = sink.received.map((r) => r.body);
      expect(bodies.some((b) => b.includes('"rule":"loud"') && b.includes('"evt.time":1795442727146981532'))).toBe(true);
      expect(bodies.some((b) => b.includes('"rule":"Test rule"'))).toBe(true);
      expect(bodies.some((b) => b.includes('"rule":"quiet"'))).toBe(false);
      await until(async () => (await outputs(server))[0]?.delivered === 2);
      const [status] = await outputs(server);
      expect(status).toMatchObject({ name: 'webhook', queueDepth: 0, deadLetters: 0 });
      const metrics = await (await fetch(`${server.mainUrl}/metrics`)).text();
      expect(metrics).toContain('falcosecurity_falcosidekick_outputs_total{destination="webhook",status="ok"} 2');
      expect(metrics).toContain('peregrine_output_queue_depth{destination="webhook",output="webhook",state="pending"} 0');
      // All of it came from the delivery thread, as in production, not from the event loop's fallback.
      expect(server.logLines().filter((line) => line['code'] === 'DELIVERY_THREAD_STARTED')).toEqual([expect.objectContaining({ outputs: ['webhook'] })]);
      expect(server.logLines().some((line) => line['code'] === 'DELIVERY_THREAD_MISSING')).toBe(false);
    } finally {
      await server.stop();
    }
  });

  it('routes by the when: condition (Falco syntax over the alert), compiled at start', async () => {
    const when = 'k8s.ns.name startswith prod and priority >= Warning and not rule icontains "noisy"';
    const server = await startTestServer({ ...fast, WEBHOOK_ADDRESS: `http://127.0.0.1:${sink.port}/hook`, WEBHOOK_WHEN: when });
    try {
      expect(await post(server, withRule('prod shell', 'Critical'))).toBe(200);
      expect(await post(server, withRule('prod notice', 'Notice'))).toBe(200);
      expect(await post(server, withRule('noisy prod shell', 'Critical'))).toBe(200);
      const elsewhere = stringifyJson({ ...(parseJson(withRule('dev shell', 'Critical')) as Record<string, JsonValue>), output_fields: { 'k8s.ns.name': 'dev' } });
      expect(await post(server, elsewhere)).toBe(200);
      await until(() => sink.received.length === 1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(sink.received.map((r) => (JSON.parse(r.body) as { rule: string }).rule)).toEqual(['prod shell']);
      const [status] = (await (await fetch(`${server.mainUrl}/api/v1/outputs`)).json()) as Array<{ routing: string | null; queueDepth: number }>;
      expect(status).toMatchObject({ routing: when, queueDepth: 0 });
    } finally {
      await server.stop();
    }
  });

  it('loses nothing through a sink outage: 1 000 alerts while it fails, each delivered once when it is back', async () => {
    sink.answer = { status: 503 };
    const server = await startTestServer({ ...fast, WEBHOOK_ADDRESS: `http://127.0.0.1:${sink.port}/hook`, WEBHOOK_MAXCONCURRENTREQUESTS: '4' });
    try {
      const statuses = await Promise.all(Array.from({ length: 1000 }, (_, i) => post(server, withRule(`outage ${i}`))));
      expect(statuses.every((s) => s === 200)).toBe(true);
      await until(async () => ((await outputs(server))[0]?.lastError?.reason ?? '').includes('503'));
      expect(sink.received).toHaveLength(0);
      sink.answer = { status: 200 };
      await until(() => sink.received.length >= 1000, 60_000);
      await until(async () => (await outputs(server))[0]?.queueDepth === 0);
      const uuids = sink.uuids();
      expect(uuids).toHaveLength(1000);
      expect(new Set(uuids).size).toBe(1000);
    } finally {
      await server.stop();
    }
  }, 90_000);

  it('resumes after a restart: what was queued when it stopped is delivered by the next run', async () => {
    sink.answer = { status: 500 };
    const env = { ...fast, WEBHOOK_ADDRESS: `http://127.0.0.1:${sink.port}/hook` };
    const first = await startTestServer(env);
    for (let i = 0; i < 50; i++) expect(await post(first, withRule(`restart ${i}`))).toBe(200);
    await first.stop({ keepData: true });
    sink.answer = { status: 200 };
    const second = await startTestServer(env, first.dataDir);
    try {
      await until(() => sink.received.length >= 50);
      await until(async () => (await outputs(second))[0]?.queueDepth === 0);
      expect(new Set(sink.uuids()).size).toBe(50);
      expect(sink.received).toHaveLength(50);
    } finally {
      await second.stop();
    }
  }, 60_000);

  it('waits as long as a 429 Retry-After asks', async () => {
    sink.answer = { status: 429, headers: { 'retry-after': '1' } };
    const server = await startTestServer({ ...fast, WEBHOOK_ADDRESS: `http://127.0.0.1:${sink.port}/hook` });
    try {
      const sentAt = Date.now();
      expect(await post(server, withRule('throttled'))).toBe(200);
      await until(async () => ((await outputs(server))[0]?.lastError?.reason ?? '') !== '');
      sink.answer = { status: 200 };
      await until(() => sink.received.length === 1);
      expect((sink.received[0]?.at ?? 0) - sentAt).toBeGreaterThanOrEqual(950);
    } finally {
      await server.stop();
    }
  });

  it('folds identical alerts (rule + dedup fields) within the window into one delivery carrying the count', async () => {
    const server = await startTestServer({ ...fast, WEBHOOK_ADDRESS: `http://127.0.0.1:${sink.port}/hook`, WEBHOOK_DEDUP_WINDOW: '1s', WEBHOOK_DEDUP_FIELDS: 'hostname' });
    try {
      const body = (hostname: string): string => stringifyJson({ ...(parseJson(withRule('noisy')) as Record<string, JsonValue>), hostname });
      for (let i = 0; i < 5; i++) expect(await post(server, body('node-a'))).toBe(200);
      expect(await post(server, body('node-b'))).toBe(200);
      await until(async () => (await outputs(server))[0]?.queueDepth === 0 && sink.received.length >= 2, 10_000);
      const fromA = sink.received.filter((r) => r.body.includes('"hostname":"node-a"'));
      const fromB = sink.received.filter((r) => r.body.includes('"hostname":"node-b"'));
      expect(fromB).toHaveLength(1);
      expect(fromB[0]?.headers['x-peregrine-occurrences']).toBeUndefined();
      expect(fromA.length).toBeGreaterThanOrEqual(1);
      expect(fromA.length).toBeLessThanOrEqual(2);
      const occurrences = fromA.reduce((sum, r) => sum + Number(r.headers['x-peregrine-occurrences'] ?? 1), 0);
      expect(occurrences).toBe(5);
    } finally {
      await server.stop();
    }
  });

  it('makes a 4xx a dead letter at once, keeps it visible without the secret, and replays it', async () => {
    sink.answer = { status: 400 };
    const secretUrl = `http://127.0.0.1:${sink.port}/hook/T000-s3cr3t-token`;
    const server = await startTestServer({ ...fast, WEBHOOK_ADDRESS: secretUrl });
    try {
      expect(await post(server, withRule('rejected'))).toBe(200);
      await until(async () => (await outputs(server))[0]?.deadLetters === 1);
      const listing = JSON.stringify(await outputs(server));
      expect(listing).not.toContain('s3cr3t');
      expect(listing).toContain('400');
      expect(JSON.stringify(server.logLines())).not.toContain('s3cr3t');
      expect(await (await fetch(`${server.mainUrl}/metrics`)).text()).toContain('peregrine_output_dead_letters_total{destination="webhook",output="webhook"} 1');

      sink.answer = { status: 200 };
      const replay = await fetch(`${server.mainUrl}/api/v1/outputs/webhook/replay`, { method: 'POST' });
      expect(await replay.json()).toEqual({ output: 'webhook', replayed: 1 });
      await until(() => sink.received.length === 1);
      await until(async () => (await outputs(server))[0]?.deadLetters === 0);
      expect((await fetch(`${server.mainUrl}/api/v1/outputs/nope/replay`, { method: 'POST' })).status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});
