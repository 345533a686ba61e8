import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, stringifyJson, type JsonValue } from '../common/json';
import { startPostgres, type TestPostgres } from '../testing/postgres';
import { startTestServer, type TestServer } from '../testing/test-server';

const alertText = readFileSync(join(__dirname, '../../../../fixtures/alerts/falco-terminal-shell.json'), 'utf8').trim();

// The same entities, migrations and statements on PostgreSQL, the store of several replicas:
// a real server (Debian's), started on loopback by the test.
describe('PostgreSQL store', () => {
  let postgres: TestPostgres;
  let server: TestServer;
  let sink: Server;
  const received: string[] = [];

  beforeAll(async () => {
    postgres = await startPostgres();
    sink = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        received.push(body);
        response.end();
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    server = await startTestServer({
      PEREGRINE_DB_DRIVER: 'postgres',
      PEREGRINE_DB_URL: postgres.url,
      WEBHOOK_ADDRESS: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/`,
    });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await new Promise((resolve) => sink?.close(resolve));
    await postgres?.stop();
  });

  it('stores, reads back exactly, filters, counts and delivers', async () => {
    for (const priority of ['Notice', 'Critical']) {
      const body = stringifyJson({ ...(parseJson(alertText) as Record<string, JsonValue>), priority });
      const response = await fetch(`${server.compatUrl}/?cluster=pg`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      expect(response.status).toBe(200);
    }
    const text = await (await fetch(`${server.mainUrl}/api/v1/alerts?min_priority=critical`)).text();
    expect(text).toContain('"evt.time":1795442727146981532');
    expect(text).toContain('/données/日本語');
    const page = parseJson(text) as { total: number; results: Array<{ cluster: string }> };
    expect(page.total).toBe(1);
    expect(page.results[0]?.cluster).toBe('pg');
    expect(await (await fetch(`${server.mainUrl}/api/v1/alerts/stats?by=priority&q=bash`)).json()).toEqual({ by: 'priority', results: { Notice: 1, Critical: 1 }, total: 2 });
    // Top-N and a server-bucketed timeline sized to the data (bigint arithmetic on PostgreSQL).
    const stats = (await (await fetch(`${server.mainUrl}/api/v1/alerts/stats?by=source&top=1&bucket=auto&until=2026-11-23T15:00:00Z`)).json()) as Record<string, unknown>;
    expect(stats).toEqual({
      by: 'source',
      results: { syscall: 2 },
      total: 2,
      // From the oldest alert to the filter's end: 55 minutes in 30-second buckets.
      timeline: [{ start: '2026-11-23T14:05:00.000Z', counts: { syscall: 2 } }],
      bucketMs: 30_000,
      from: '2026-11-23T14:05:27.146Z',
      until: '2026-11-23T15:00:00.000Z',
    });
    const deadline = Date.now() + 15_000;
    while (received.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toHaveLength(2);
    expect(received[0]).toContain('"evt.time":1795442727146981532');
    const metrics = await (await fetch(`${server.mainUrl}/metrics`)).text();
    expect(metrics).toMatch(/peregrine_store_size_bytes [1-9]/);
  });

  // Found by the fuzz suites: each of these was acknowledged and then refused by PostgreSQL
  // (holding up the indexing of every later alert), answered 503 for its whole batch, or 500.
  it('refuses up front what the table cannot hold, stores U+0000 as U+FFFD, and reads any parameter', async () => {
    const post = (changes: Record<string, JsonValue>): Promise<Response> =>
      fetch(`${server.compatUrl}/?cluster=pg-odd`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stringifyJson({ ...(parseJson(alertText) as Record<string, JsonValue>), ...changes }) });
    const refused = await post({ rule: 'r'.repeat(513) });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('INVALID_FIELD: rule is longer than the store keeps (512 characters, 1024 bytes of UTF-8)');
    expect((await post({ time: '9999-12-31T23:59:59Z' })).status).toBe(400);
    expect((await post({ rule: 'nul\u0000rule', output: 'out\u0000put \uD800', hostname: 'h\u0000' })).status).toBe(200);
    const page = (await (await fetch(`${server.mainUrl}/api/v1/alerts?cluster=pg-odd&rule=${encodeURIComponent('nul\u0000rule')}`)).json()) as { total: number; results: Array<{ rule: string; output: string; hostname: string }> };
    expect(page.total).toBe(1);
    expect(page.results[0]).toMatchObject({ rule: 'nul\uFFFDrule', output: 'out\uFFFDput \uFFFD', hostname: 'h\uFFFD' });
    expect((await fetch(`${server.mainUrl}/api/v1/alerts/export?q=${encodeURIComponent('\u0000')}`)).status).toBe(200);
    expect((await fetch(`${server.mainUrl}/api/v1/alerts/%00`)).status).toBe(404);
  });
});
