import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, stringifyJson, type JsonValue } from '../common/json';
import { startTestServer, type TestServer } from '../testing/test-server';

const fixture = (name: string): string => readFileSync(join(__dirname, '../../../../fixtures/alerts', name), 'utf8').trim();
const realAlertText = fixture('falco-terminal-shell.json');

type JsonObject = { [key: string]: JsonValue };

async function post(url: string, body: string | Buffer, contentType = 'application/json'): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': contentType } });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

async function latestAlertsText(server: TestServer, limit = 1, query = ''): Promise<string> {
  const response = await fetch(`${server.mainUrl}/api/v1/alerts?limit=${limit}${query}`);
  expect(response.status).toBe(200);
  return response.text();
}

/** The newest alert by event time (of those matching `query`, e.g. `&rule=…`). */
async function latestAlert(server: TestServer, query = ''): Promise<JsonObject> {
  const page = parseJson(await latestAlertsText(server, 1, query)) as { results: JsonObject[] };
  const first = page.results[0];
  if (!first) throw new Error('no alert stored');
  return first;
}

/**
 * Reads a row straight from the SQLite file, bypassing Peregrine; a read through the API first
 * makes sure the acknowledged alert has been indexed (as every read of the API does).
 */
async function readRow(server: TestServer, uuid: string): Promise<Record<string, unknown>> {
  await latestAlertsText(server, 1);
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(server.dbPath, sqlite3.OPEN_READONLY);
    // node-sqlite3 reads INTEGER as a double; the text cast shows what SQLite really holds.
    db.get('SELECT *, CAST(time_ns AS TEXT) AS time_ns_text FROM alerts WHERE uuid = ?', [uuid], (error: Error | null, row: Record<string, unknown>) => {
      db.close();
      if (error) reject(error);
      else resolve(row);
    });
  });
}

describe('Falco alert ingest (falcosidekick-compatible listener and main port)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('stores a real Falco alert posted to :2801/ and gives it back exactly, int64 digits and non-ASCII included', async () => {
    const response = await post(`${server.compatUrl}/`, realAlertText);
    expect(response.status).toBe(200);
    expect(response.text).toBe('');

    const sent = parseJson(realAlertText) as JsonObject;
    const stored = await latestAlert(server);
    const { uuid, cluster, ...alert } = stored;
    expect(typeof uuid).toBe('string');
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(cluster).toBe('default');
    const expected = { ...sent, tags: [...(sent['tags'] as string[])].sort() };
    expect(stringifyJson(sortKeys(alert))).toBe(stringifyJson(sortKeys(expected)));

    // Digit for digit, in the API's text and in the store itself.
    expect(await latestAlertsText(server)).toContain('"evt.time":1795442727146981532');
    const row = await readRow(server, uuid as string);
    expect(row['output_fields']).toContain('"evt.time":1795442727146981532');
    expect(row['output_fields']).toContain('"proc.aname[2]":null');
    expect(row['output_fields']).toContain('"proc.cmdline":"bash -c ls /données/日本語"');
    expect(row['time_ns_text']).toBe('1795442727146981532');
    expect(row['k8s_namespace']).toBe('production');
    expect(row['k8s_pod']).toBe('web-7c9f6d8b5-x2kqz');
    expect(row['priority']).toBe('Notice');
  });

  it('treats any unknown path as ingest, as falcosidekick does', async () => {
    const response = await post(`${server.compatUrl}/some/other/path`, realAlertText.replace('Terminal shell in container', 'Rule on another path'));
    expect(response.status).toBe(200);
    expect((await latestAlert(server))['rule']).toBe('Rule on another path');
  });

  it('answers falcosidekick routes with its bodies', async () => {
    const health = await fetch(`${server.compatUrl}/healthz`);
    expect(health.headers.get('content-type')).toContain('application/json');
    expect(await health.text()).toBe('{"status": "ok"}');
    expect(await (await fetch(`${server.compatUrl}/ping`)).text()).toBe('pong\n');

    const getRoot = await fetch(`${server.compatUrl}/`);
    expect(getRoot.status).toBe(400);
    expect(await getRoot.text()).toBe('Please send with post http method\n');
    const getTest = await fetch(`${server.compatUrl}/test`);
    expect(getTest.status).toBe(400);
    expect(await getTest.text()).toBe('Please send with post http method\n');

    const test = await fetch(`${server.compatUrl}/test`, { method: 'POST' });
    expect(test.status).toBe(200);
    // Timed now, while the fixture alerts carry a fixed time: found by its rule, not its place.
    const stored = await latestAlert(server, '&rule=Test%20rule');
    expect(stored).toMatchObject({
      rule: 'Test rule',
      source: 'internal',
      priority: 'Debug',
      hostname: 'falcosidekick',
      output: 'This is a test from falcosidekick',
      output_fields: { 'proc.name': 'falcosidekick', 'user.name': 'falcosidekick' },
      tags: ['example', 'test'],
    });
    expect(stored['time']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('takes the same alert on the main port at /api/v1/alerts and answers with its uuid', async () => {
    const response = await post(`${server.mainUrl}/api/v1/alerts`, realAlertText.replace('"priority":"Notice"', '"priority":"info"'));
    expect(response.status).toBe(200);
    const { uuid } = JSON.parse(response.text) as { uuid: string };
    const byUuid = parseJson(await (await fetch(`${server.mainUrl}/api/v1/alerts/${uuid}`)).text()) as JsonObject;
    expect(byUuid['priority']).toBe('Informational');
    expect(stringifyJson(byUuid['output_fields'])).toContain('"evt.time":1795442727146981532');
  });

  it("accepts falcosidekick's WebUI output body at /api/v1/events/add and at the root of the main port", async () => {
    const event = parseJson(realAlertText) as JsonObject;
    const uuid = '0b8e4a4f-3c1e-4a8e-9d3b-2f6a1c9e7d10';
    const body = `{"event":${stringifyJson({ ...event, uuid, rule: 'Fed by an existing falcosidekick' })},"outputs":["Slack","WebUI"]}`;
    expect((await post(`${server.mainUrl}/api/v1/events/add`, body)).status).toBe(200);
    const stored = parseJson(await (await fetch(`${server.mainUrl}/api/v1/alerts/${uuid}`)).text()) as JsonObject;
    expect(stored['rule']).toBe('Fed by an existing falcosidekick');
    // falcosidekick retries nothing, but a proxy might: the same uuid is stored once.
    expect((await post(`${server.mainUrl}/`, body)).status).toBe(200);
    const row = await readRow(server, uuid);
    expect(row['rule']).toBe('Fed by an existing falcosidekick');
    expect((await post(`${server.mainUrl}/api/v1/events/add`, '{"outputs":[]}')).status).toBe(400);
  });

  it('counts accepted and rejected inputs and Falco events with falcosidekick metric names on both ports', async () => {
    await post(`${server.compatUrl}/`, 'not json');
    for (const url of [server.compatUrl, server.mainUrl]) {
      const text = await (await fetch(`${url}/metrics`)).text();
      expect(text).toMatch(/falcosecurity_falcosidekick_inputs_total\{source="requests",status="accepted"\} [1-9]/);
      expect(text).toMatch(/falcosecurity_falcosidekick_inputs_total\{source="requests",status="rejected"\} [1-9]/);
      expect(text).toContain(
        'falcosecurity_falcosidekick_falco_events_total{hostname="worker-2.eu-west-1.compute.internal",rule="Terminal shell in container",priority="3",priority_raw="notice",source="syscall",k8s_ns_name="production",k8s_pod_name="web-7c9f6d8b5-x2kqz"} 1',
      );
      expect(text).toContain('peregrine_store_write_duration_seconds_bucket');
      expect(text).toContain('nodejs_heap_size_used_bytes');
    }
  });

  describe('bad input: a 4xx with a reason, the process keeps serving, nothing stored is lost', () => {
    const valid = parseJson(realAlertText) as JsonObject;
    const variant = (changes: JsonObject, drop: string[] = []): string => {
      const copy: JsonObject = { ...valid, ...changes };
      for (const key of drop) delete copy[key];
      return stringifyJson(copy);
    };
    const deep = `${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}`;
    const cases: Array<{ name: string; body: string | Buffer; contentType?: string; status: number; code: string }> = [
      { name: 'non-JSON', body: 'hello falco', status: 400, code: 'BODY_NOT_JSON' },
      { name: 'truncated JSON', body: realAlertText.slice(0, 120), status: 400, code: 'BODY_NOT_JSON' },
      { name: 'empty body', body: '', status: 400, code: 'BODY_NOT_JSON' },
      { name: 'a JSON array', body: `[${realAlertText}]`, status: 400, code: 'BODY_NOT_OBJECT' },
      { name: 'priority as a number', body: variant({ priority: 5 }), status: 400, code: 'INVALID_FIELD' },
      { name: 'unknown priority', body: variant({ priority: 'Severe' }), status: 400, code: 'INVALID_FIELD' },
      { name: 'missing rule', body: variant({}, ['rule']), status: 400, code: 'MISSING_FIELD' },
      { name: 'empty rule', body: variant({ rule: '' }), status: 400, code: 'MISSING_FIELD' },
      { name: 'bad time', body: variant({ time: '23/11/2026 14:05' }), status: 400, code: 'INVALID_FIELD' },
      { name: 'impossible date', body: variant({ time: '2026-02-30T10:00:00Z' }), status: 400, code: 'INVALID_FIELD' },
      { name: 'empty output_fields', body: variant({ output_fields: {} }), status: 400, code: 'MISSING_FIELD' },
      { name: 'output_fields not an object', body: variant({ output_fields: 'x' }), status: 400, code: 'INVALID_FIELD' },
      { name: 'tags not strings', body: variant({ tags: [1, 2] }), status: 400, code: 'INVALID_FIELD' },
      { name: 'deep nesting', body: deep, status: 400, code: 'BODY_TOO_DEEP' },
      { name: 'wrong content type', body: realAlertText, contentType: 'application/xml', status: 415, code: 'UNSUPPORTED_CONTENT_TYPE' },
      { name: '20 MiB body', body: Buffer.alloc(20 * 1024 * 1024, 0x20), status: 413, code: 'BODY_TOO_LARGE' },
    ];

    it.each(cases)('$name → $status $code on :2801', async ({ body, contentType, status, code }) => {
      const before = await latestAlertsText(server, 1000);
      const response = await post(`${server.compatUrl}/`, body, contentType);
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      const [headline, reason] = response.text.split('\n');
      if (status === 400) expect(headline).toBe('Please send a valid request body');
      expect(reason).toMatch(new RegExp(`^${code}: .+`));
      expect(await latestAlertsText(server, 1000)).toBe(before);
      expect((await fetch(`${server.compatUrl}/healthz`)).status).toBe(200);
    });

    it.each(cases)('$name → $status $code as coded JSON on the main port', async ({ body, contentType, status, code }) => {
      const response = await post(`${server.mainUrl}/api/v1/alerts`, body, contentType);
      expect(response.status).toBe(status);
      expect(JSON.parse(response.text)).toMatchObject({ statusCode: status, code, message: expect.any(String) as string });
    });
  });
});

describe('ingest settings', () => {
  it('merges CUSTOMFIELDS (with %ENV values) and CUSTOMTAGS, which also lets output_fields be empty', async () => {
    const server = await startTestServer({ CUSTOMFIELDS: 'team:platform,secretref:%PEREGRINE_TEST_VALUE', CUSTOMTAGS: 'zeta, alpha', PEREGRINE_CLUSTER_NAME: 'prod-eu', PEREGRINE_TEST_VALUE: 'from-env' });
    try {
      const body = stringifyJson({ ...(parseJson(realAlertText) as JsonObject), output_fields: {} });
      expect((await post(`${server.compatUrl}/`, body)).status).toBe(200);
      const stored = await latestAlert(server);
      expect(stored['output_fields']).toEqual({ team: 'platform', secretref: 'from-env' });
      expect(stored['cluster']).toBe('prod-eu');
      expect(stored['tags']).toEqual(['T1059', 'alpha', 'container', 'maturity_stable', 'mitre_execution', 'shell', 'zeta']);
    } finally {
      await server.stop();
    }
  });

  it('keeps every stored alert across a restart', async () => {
    const first = await startTestServer();
    expect((await post(`${first.compatUrl}/`, realAlertText)).status).toBe(200);
    const before = await latestAlertsText(first, 10);
    await first.stop({ keepData: true });
    const second = await startTestServer({}, first.dataDir);
    try {
      expect(await latestAlertsText(second, 10)).toBe(before);
    } finally {
      await second.stop();
    }
  });

  it('answers 503 with Retry-After, never 200, once the store holds all it may without indexing, and recovers after', async () => {
    const server = await startTestServer({ PEREGRINE_DB_BUSY_TIMEOUT_MS: '50', PEREGRINE_DB_MAX_UNINDEXED: '100' });
    // The indexer moves acknowledged alerts into the main file: hold that file's write lock, with
    // the library that owns it (two copies of SQLite in one process do not see each other's locks).
    const locker = new sqlite3.Database(server.dbPath);
    const exec = (sql: string): Promise<void> => new Promise((resolve, reject) => locker.exec(sql, (error) => (error ? reject(error) : resolve())));
    try {
      await exec('BEGIN EXCLUSIVE');
      // Acknowledged while the journal may hold them: durable there, indexed later.
      for (let i = 0; i < 100; i++) expect((await post(`${server.compatUrl}/`, realAlertText)).status).toBe(200);
      const refused = await post(`${server.compatUrl}/`, realAlertText);
      expect(refused.status).toBe(503);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.text).toContain('STORE_OVERLOADED');
      const refusedMain = await post(`${server.mainUrl}/api/v1/alerts`, realAlertText);
      expect(refusedMain.status).toBe(503);
      await exec('COMMIT');
      // The indexer retries after its pause; then there is room again.
      let status = 0;
      for (let attempt = 0; attempt < 100 && status !== 200; attempt++) {
        status = (await post(`${server.compatUrl}/`, realAlertText)).status;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(status).toBe(200);
      const page = parseJson(await latestAlertsText(server, 10)) as { total: number };
      expect(page.total).toBe(101);
    } finally {
      await new Promise((resolve) => locker.close(resolve));
      await server.stop();
    }
  });

  it('honours the configured body limit and legacy metric names', async () => {
    const server = await startTestServer({ PEREGRINE_INGEST_MAX_BODY_BYTES: '2048', PROMETHEUS_LEGACYNAMES: 'true' });
    try {
      expect((await post(`${server.compatUrl}/`, realAlertText)).status).toBe(200);
      const big = stringifyJson({ ...(parseJson(realAlertText) as JsonObject), output: 'x'.repeat(3000) });
      expect((await post(`${server.compatUrl}/`, big)).status).toBe(413);
      const text = await (await fetch(`${server.compatUrl}/metrics`)).text();
      expect(text).toContain('falcosidekick_inputs{source="requests",status="accepted"} 1');
      expect(text).toContain('falco_events{hostname="worker-2.eu-west-1.compute.internal",rule="Terminal shell in container",priority="Notice"');
    } finally {
      await server.stop();
    }
  });
});

function sortKeys(value: JsonValue): JsonValue {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || 'isLosslessNumber' in value) return value;
  const sorted: JsonObject = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value)[key] ?? null);
  return sorted;
}
