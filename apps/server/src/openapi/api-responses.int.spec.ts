import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenAPIObject, OperationObject, ReferenceObject, ResponseObject, SchemaObject } from '@nestjs/swagger';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startTestServer, type TestServer } from '../testing/test-server';

/**
 * The OpenAPI document is the contract of the dashboard API: here every documented operation is
 * called on the real server, and each real answer (status, content type, body) is validated
 * against the document with a JSON Schema validator. A route added without being exercised here,
 * an answer with a field the document does not name, or one missing a required field fails.
 */

const PASSWORD = 'contract-test-password';
const REPO = join(__dirname, '../../../..');
const FALCO_ALERT = readFileSync(join(REPO, 'fixtures/alerts/falco-terminal-shell.json'), 'utf8').trim();
const PRIVILEGED_POD = (JSON.parse(readFileSync(join(REPO, 'fixtures/conformance/traces/create_nginx_pod_privileged.json'), 'utf8').split('\n')[0] ?? '') as Record<string, unknown>);
const eventList = (items: unknown[]): Record<string, unknown> => ({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items });
/** Falco's alert with another rule, so counts per rule have more than one value. */
const falcoAlert = (rule: string, priority = 'Notice'): string => FALCO_ALERT.replace('"rule":"Terminal shell in container"', `"rule":${JSON.stringify(rule)}`).replace('"priority":"Notice"', `"priority":"${priority}"`);

const TEST_RULE = `
- rule: Any pod created
  desc: every pod creation
  condition: ka.verb=create and ka.target.resource=pods
  output: pod created (user=%ka.user.name ns=%ka.target.namespace)
  priority: NOTICE
  source: k8s_audit
  tags: [contract]
`;

type Method = 'GET' | 'POST';

interface Call {
  method: Method;
  /** The documented path, e.g. `/api/v1/alerts/{uuid}`. */
  path: string;
  /** What is requested (relative to the main URL): the path with values and a query. */
  url?: string;
  body?: unknown;
  /** Sent as it is (with content-type application/json); else `body` as JSON. */
  rawBody?: string;
  headers?: Record<string, string>;
  /** Send the session cookie (default true). */
  signedIn?: boolean;
  status: number;
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
  json: unknown;
}

/** A webhook receiver whose status the test sets: a real peer, so the outputs' counters and errors are real. */
class WebhookSink {
  status = 400;
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(this.status).end());
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}/hook`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
  }
}

async function until(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const SCHEMAS_ID = 'https://peregrine.invalid/openapi/schemas';

/** `#/components/schemas/X` (the document's references) → the same schema in the validator's registry. */
function relinked(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(relinked);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [key, key === '$ref' && typeof value === 'string' ? value.replace('#/components/schemas/', `${SCHEMAS_ID}#/$defs/`) : relinked(value)]),
  );
}

/**
 * Validators for the document's response schemas. The document is OpenAPI 3.1, whose schemas are
 * JSON Schema 2020-12, so they are used as they are (strict: a keyword the validator does not
 * know, e.g. OpenAPI 3.0's `nullable`, is an error rather than silently ignored).
 */
class ContractValidator {
  private readonly ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(readonly document: OpenAPIObject) {
    addFormats(this.ajv);
    // A documentation hint for Swagger UI's input field, not a constraint.
    this.ajv.addFormat('password', true);
    this.ajv.addSchema({ $id: SCHEMAS_ID, $defs: relinked(this.document.components?.schemas ?? {}) as Record<string, SchemaObject> });
  }

  /** Compiles every component schema once (a schema the validator refuses fails here, named). */
  compileAll(): string[] {
    return Object.keys(this.document.components?.schemas ?? {}).map((name) => {
      this.ajv.compile({ $ref: `${SCHEMAS_ID}#/$defs/${name}` });
      return name;
    });
  }

  operation(method: Method, path: string): OperationObject {
    const operation = (this.document.paths[path] as Record<string, OperationObject | undefined> | undefined)?.[method.toLowerCase()];
    if (!operation) throw new Error(`${method} ${path} is not in the document`);
    return operation;
  }

  /** Problems of a request body the server took against the operation's documented body; empty when it conforms. */
  requestProblems(call: Call, body: unknown): string[] {
    const requestBody = this.operation(call.method, call.path).requestBody;
    if (!requestBody || '$ref' in requestBody) return body === undefined ? [] : ['a body was taken, but none is documented'];
    const schema = requestBody.content['application/json']?.schema;
    if (!schema) return ['no application/json body is documented'];
    return this.check(`${call.method} ${call.path} request`, schema, body);
  }

  /** Problems of one answer against the document; empty when it conforms. */
  problems(call: Call, answer: Answer): string[] {
    const responses = this.operation(call.method, call.path).responses as Record<string, ResponseObject | ReferenceObject>;
    const response = responses[String(answer.status)];
    if (!response || '$ref' in response) return [`status ${answer.status} is not documented (documented: ${Object.keys(responses).join(', ')})`];
    if (!response.content) return answer.text === '' ? [] : [`status ${answer.status} is documented without a body, but one came: ${answer.text.slice(0, 200)}`];
    const media = response.content[answer.contentType];
    if (!media?.schema) return [`content type "${answer.contentType}" is not documented for ${answer.status} (documented: ${Object.keys(response.content).join(', ')})`];
    return this.check(`${call.method} ${call.path} ${answer.status} ${answer.contentType}`, media.schema, answer.contentType === 'application/json' ? answer.json : answer.text);
  }

  private check(key: string, schema: SchemaObject | ReferenceObject, value: unknown): string[] {
    let validate = this.cache.get(key);
    if (!validate) {
      validate = this.ajv.compile(relinked(schema) as SchemaObject);
      this.cache.set(key, validate);
    }
    return validate(value) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath || '(root)'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
  }
}

describe('every documented operation answers as the OpenAPI document says', () => {
  let server: TestServer;
  let sink: WebhookSink;
  let cookie: string;
  let contract: ContractValidator;
  /** `METHOD path status` of every validated answer. */
  const validated = new Set<string>();

  /** Calls the server, checks the status, validates the answer against the document, and records it. */
  async function exchange(call: Call): Promise<Answer> {
    const headers: Record<string, string> = { ...(call.signedIn === false ? {} : { cookie }), ...call.headers };
    let body: string | undefined;
    if (call.rawBody !== undefined || call.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = call.rawBody ?? JSON.stringify(call.body);
    }
    const response = await fetch(`${server.mainUrl}${call.url ?? call.path}`, { method: call.method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    const contentType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
    const answer: Answer = { status: response.status, contentType, text, json: contentType === 'application/json' && text !== '' ? (JSON.parse(text) as unknown) : undefined };
    const label = `${call.method} ${call.url ?? call.path}`;
    expect(answer.status, `${label}: ${text.slice(0, 300)}`).toBe(call.status);
    expect(contract.problems(call, answer), label).toEqual([]);
    // What the server took as valid must be a valid body by the document too (the UI's request types come from it).
    if (answer.status < 300 && body !== undefined) expect(contract.requestProblems(call, JSON.parse(body)), `${label} (request body)`).toEqual([]);
    validated.add(`${call.method} ${call.path} ${answer.status}`);
    return answer;
  }

  beforeAll(async () => {
    sink = new WebhookSink();
    await sink.start();
    server = await startTestServer({
      PEREGRINE_AUTH_ENABLED: 'true',
      PEREGRINE_ADMIN_PASSWORD: PASSWORD,
      PEREGRINE_CLUSTER_NAME: 'home',
      PEREGRINE_RULES_FILES: join(REPO, 'rules/k8s_audit_rules.yaml'),
      PEREGRINE_RULES_WATCH: 'false',
      WEBHOOK_ADDRESS: sink.url,
      WEBHOOK_MINIMUMPRIORITY: 'notice',
      // A second output with nothing listening and no minimum priority: its status has nulls and a last error.
      LOKI_HOSTPORT: 'http://127.0.0.1:9',
      PEREGRINE_DELIVERY_INITIAL_BACKOFF: '50ms',
      PEREGRINE_DELIVERY_MAX_BACKOFF: '200ms',
    });
    const response = await fetch(`${server.mainUrl}/api/docs/openapi.json`);
    const document = (await response.json()) as OpenAPIObject;
    expect(document.openapi).toBe('3.1.0');
    contract = new ContractValidator(document);
    cookie = await signIn(server.mainUrl, PASSWORD);
  });
  afterAll(async () => {
    await server?.stop();
    await sink?.stop();
  });

  it('has component schemas the validator accepts in strict mode', () => {
    expect(contract.compileAll()).toEqual(expect.arrayContaining(['StoredAlert', 'AlertStats', 'OutputStatus', 'RulesStatusWithReplicas', 'Error']));
  });

  it('refuses answers that drift from the document (so the checks below are not vacuous)', () => {
    const json = (value: unknown): Answer => ({ status: 200, contentType: 'application/json', text: JSON.stringify(value), json: value });
    const me: Call = { method: 'GET', path: '/api/v1/auth/me', status: 200 };
    expect(contract.problems(me, json({ username: 'admin', authEnabled: true }))).toEqual([]);
    expect(contract.problems(me, json({ username: 'admin', authEnabled: true, role: 'admin' }))).not.toEqual([]);
    expect(contract.problems(me, json({ username: 'admin' }))).not.toEqual([]);
    expect(contract.problems(me, json({ username: 42, authEnabled: true }))).not.toEqual([]);
    expect(contract.problems(me, { ...json({ username: null, authEnabled: false }), contentType: 'text/plain' })).not.toEqual([]);
    expect(contract.problems(me, { ...json({ statusCode: 418, code: 'TEAPOT', message: 'no' }), status: 418 })).not.toEqual([]);
    const alerts: Call = { method: 'GET', path: '/api/v1/alerts', status: 200 };
    expect(contract.problems(alerts, json({ results: [{ uuid: 'not-a-uuid' }], total: 1, nextCursor: null }))).not.toEqual([]);
  });

  it('takes alerts on every ingest route of the main port (stored, then counted below)', async () => {
    // A few alerts through the falcosidekick-compatible listener, as Falco sends them.
    for (const [rule, priority] of [['Terminal shell in container', 'Notice'], ['Write below etc', 'Error'], ['Read sensitive file untrusted', 'Warning']] as const) {
      const response = await fetch(`${server.compatUrl}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: falcoAlert(rule, priority) });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
    const ingested = await exchange({ method: 'POST', path: '/api/v1/alerts', url: '/api/v1/alerts?cluster=staging', rawBody: falcoAlert('Contract ingest'), signedIn: false, status: 200 });
    expect(ingested.json).toEqual({ uuid: expect.any(String) as unknown });
    // Ingest tokens are off here: a token in the path is ignored, so the routes answer as without it.
    await exchange({ method: 'POST', path: '/ingest/{token}/api/v1/alerts', url: '/ingest/unused-token/api/v1/alerts', rawBody: falcoAlert('Contract ingest with a token'), signedIn: false, status: 200 });
    const addEvent = (rule: string): unknown => ({ event: JSON.parse(falcoAlert(rule)) as unknown, outputs: ['WebUI'] });
    await exchange({ method: 'POST', path: '/api/v1/events/add', body: addEvent('Contract add-event'), signedIn: false, status: 200 });
    await exchange({ method: 'POST', path: '/api/v1', body: addEvent('Contract add-event v1'), signedIn: false, status: 200 });
    await exchange({ method: 'POST', path: '/', body: addEvent('Contract add-event root'), signedIn: false, status: 200 });
    await exchange({ method: 'POST', path: '/ingest/{token}/api/v1/events/add', url: '/ingest/unused-token/api/v1/events/add', body: addEvent('Contract add-event token'), signedIn: false, status: 200 });
    await exchange({ method: 'POST', path: '/ingest/{token}/api/v1', url: '/ingest/unused-token/api/v1', body: addEvent('Contract add-event token v1'), signedIn: false, status: 200 });
    await exchange({ method: 'POST', path: '/ingest/{token}', url: '/ingest/unused-token', body: addEvent('Contract add-event token root'), signedIn: false, status: 200 });
    // Not JSON: the coded 400.
    await exchange({ method: 'POST', path: '/api/v1/alerts', rawBody: '{"rule":', signedIn: false, status: 400 });
  });

  it('takes audit events on every webhook path, and names the bad items of a mixed list', async () => {
    const accepted = await exchange({ method: 'POST', path: '/k8s-audit', body: eventList([PRIVILEGED_POD]), signedIn: false, status: 200 });
    expect(accepted.json).toMatchObject({ cluster: 'home', received: 1, alerts: 1 });
    await exchange({ method: 'POST', path: '/k8s-audit/{cluster}', url: '/k8s-audit/lab', body: PRIVILEGED_POD, signedIn: false, status: 200 });
    await exchange({ method: 'POST', path: '/k8s-audit/{cluster}/{token}', url: '/k8s-audit/lab/unused-token', body: PRIVILEGED_POD, signedIn: false, status: 200 });
    await exchange({ method: 'POST', path: '/k8s_audit', url: '/k8s_audit?cluster=legacy', body: [PRIVILEGED_POD], signedIn: false, status: 200 });
    const rejected = await exchange({ method: 'POST', path: '/k8s-audit', body: eventList([PRIVILEGED_POD, { kind: 'Event', apiVersion: 'audit.k8s.io/v1' }]), signedIn: false, status: 400 });
    expect(rejected.json).toMatchObject({ code: 'INVALID_AUDIT_EVENTS', errors: [expect.objectContaining({ index: 1 }) as unknown] });
  });

  it('signs in and out, and refuses wrong or missing credentials with the error shape', async () => {
    await exchange({ method: 'POST', path: '/api/v1/auth/login', body: { username: 'admin', password: 'wrong password' }, signedIn: false, status: 401 });
    await exchange({ method: 'POST', path: '/api/v1/auth/login', body: { username: 'admin' }, signedIn: false, status: 400 });
    await exchange({ method: 'POST', path: '/api/v1/auth/login', body: { username: 'admin', password: PASSWORD }, signedIn: false, status: 204 });
    const throwaway = (await signIn(server.mainUrl, PASSWORD)) || 'none';
    await exchange({ method: 'POST', path: '/api/v1/auth/logout', headers: { cookie: throwaway }, signedIn: false, status: 204 });
    const me = await exchange({ method: 'GET', path: '/api/v1/auth/me', status: 200 });
    expect(me.json).toEqual({ username: 'admin', authEnabled: true });
    await exchange({ method: 'GET', path: '/api/v1/auth/me', signedIn: false, status: 401 });
    // A state change from another site's page.
    await exchange({ method: 'POST', path: '/api/v1/auth/logout', headers: { origin: 'https://elsewhere.example' }, status: 403 });
  });

  it('reads alerts: pages, one alert, stats with a timeline, export as JSON and CSV', async () => {
    const page = await exchange({ method: 'GET', path: '/api/v1/alerts', url: '/api/v1/alerts?limit=2', status: 200 });
    const { results, nextCursor } = page.json as { results: Array<{ uuid: string }>; nextCursor: string | null };
    expect(results).toHaveLength(2);
    expect(nextCursor).toEqual(expect.any(String));
    const last = await exchange({ method: 'GET', path: '/api/v1/alerts', url: `/api/v1/alerts?limit=1000&cursor=${encodeURIComponent(nextCursor ?? '')}`, status: 200 });
    expect((last.json as { nextCursor: unknown }).nextCursor).toBeNull();
    await exchange({ method: 'GET', path: '/api/v1/alerts', url: '/api/v1/alerts?min_priority=Severe', status: 400 });
    await exchange({ method: 'GET', path: '/api/v1/alerts', signedIn: false, status: 401 });

    await exchange({ method: 'GET', path: '/api/v1/alerts/{uuid}', url: `/api/v1/alerts/${results[0]?.uuid ?? ''}`, status: 200 });
    await exchange({ method: 'GET', path: '/api/v1/alerts/{uuid}', url: '/api/v1/alerts/00000000-0000-4000-8000-000000000000', status: 404 });

    for (const by of ['priority', 'rule', 'source', 'hostname', 'cluster', 'namespace', 'tags']) {
      await exchange({ method: 'GET', path: '/api/v1/alerts/stats', url: `/api/v1/alerts/stats?by=${by}&top=5`, status: 200 });
    }
    const timeline = await exchange({ method: 'GET', path: '/api/v1/alerts/stats', url: '/api/v1/alerts/stats?by=priority&bucket=auto&since=3650d', status: 200 });
    expect(timeline.json).toMatchObject({ from: expect.any(String) as unknown, until: expect.any(String) as unknown, bucketMs: expect.any(Number) as unknown });
    await exchange({ method: 'GET', path: '/api/v1/alerts/stats', url: '/api/v1/alerts/stats?by=source&bucket=1h', status: 200 });
    await exchange({ method: 'GET', path: '/api/v1/alerts/stats', url: '/api/v1/alerts/stats?by=colour', status: 400 });

    const json = await exchange({ method: 'GET', path: '/api/v1/alerts/export', url: '/api/v1/alerts/export?format=json', status: 200 });
    expect((json.json as unknown[]).length).toBeGreaterThan(5);
    const csv = await exchange({ method: 'GET', path: '/api/v1/alerts/export', url: '/api/v1/alerts/export?format=csv&source=syscall', status: 200 });
    expect(csv.contentType).toBe('text/csv');
  });

  it('reads falcosidekick-ui’s search and counts', async () => {
    await exchange({ method: 'GET', path: '/api/v1/events/search', url: '/api/v1/events/search?page=1&limit=3', status: 200 });
    await exchange({ method: 'GET', path: '/api/v1/events/search', url: '/api/v1/events/search?filter=shell&priority=notice', status: 200 });
    await exchange({ method: 'GET', path: '/api/v1/events/count', status: 200 });
    for (const groupby of ['priority', 'rule', 'source', 'hostname', 'tags']) {
      await exchange({ method: 'GET', path: '/api/v1/events/count/{groupby}', url: `/api/v1/events/count/${groupby}`, status: 200 });
    }
    await exchange({ method: 'GET', path: '/api/v1/events/count/{groupby}', url: '/api/v1/events/count/colour', status: 400 });
  });

  it('reads the outputs with a delivery error and a success, and replays dead letters', async () => {
    // The sink refused the first deliveries (400: dead letters at once); from now on it takes them.
    await until(async () => {
      const outputs = (await exchange({ method: 'GET', path: '/api/v1/outputs', status: 200 })).json as Array<{ name: string; deadLetters: number }>;
      return (outputs.find((output) => output.name === 'webhook')?.deadLetters ?? 0) > 0;
    });
    sink.status = 200;
    const replayed = await exchange({ method: 'POST', path: '/api/v1/outputs/{name}/replay', url: '/api/v1/outputs/webhook/replay', status: 200 });
    expect(replayed.json).toMatchObject({ output: 'webhook', replayed: expect.any(Number) as unknown });
    await exchange({ method: 'POST', path: '/api/v1/outputs/{name}/replay', url: '/api/v1/outputs/nowhere/replay', status: 404 });
    // The catalog of every output type: the same answer whatever is configured.
    const catalog = await exchange({ method: 'GET', path: '/api/v1/outputs/catalog', status: 200 });
    expect((catalog.json as Array<{ type: string }>).map((entry) => entry.type)).toEqual(expect.arrayContaining(['slack', 'webhook', 'awssqs']));
    await exchange({ method: 'GET', path: '/api/v1/outputs/catalog', signedIn: false, status: 401 });
    await until(async () => {
      const outputs = (await exchange({ method: 'GET', path: '/api/v1/outputs', status: 200 })).json as Array<{ name: string; minimumPriority: string | null; lastSuccessAt: string | null; lastError: unknown }>;
      const webhook = outputs.find((output) => output.name === 'webhook');
      const loki = outputs.find((output) => output.name === 'loki');
      return webhook?.lastSuccessAt !== null && webhook?.lastError !== null && loki?.minimumPriority === null && loki.lastError !== null;
    });
  });

  it('reads the rules, their status, tries rules on an event, reloads them', async () => {
    await exchange({ method: 'GET', path: '/api/v1/rules', status: 200 });
    const status = await exchange({ method: 'GET', path: '/api/v1/rules/status', status: 200 });
    expect((status.json as { replicas: unknown[] }).replicas).toHaveLength(1);
    const matched = await exchange({ method: 'POST', path: '/api/v1/rules/test', body: { rules: TEST_RULE, event: PRIVILEGED_POD, withStockRules: false }, status: 200 });
    expect(matched.json).toMatchObject({ ok: true, alerts: [expect.objectContaining({ rule: 'Any pod created' }) as unknown] });
    // A broken condition: coded errors with a position and the line to underline.
    const broken = await exchange({ method: 'POST', path: '/api/v1/rules/test', body: { rules: TEST_RULE.replace('ka.verb=create', 'ka.verb=create and ka.nope=1') }, status: 200 });
    expect(broken.json).toMatchObject({ ok: false, errors: [expect.objectContaining({ position: expect.any(Object) as unknown, excerpt: expect.any(Object) as unknown }) as unknown] });
    // Items that are not audit events: named by index.
    const badEvent = await exchange({ method: 'POST', path: '/api/v1/rules/test', body: { event: [PRIVILEGED_POD, { kind: 'Pod' }] }, status: 200 });
    expect((badEvent.json as { eventErrors: unknown[] }).eventErrors).toHaveLength(1);
    await exchange({ method: 'POST', path: '/api/v1/rules/test', body: { rules: 42 }, status: 400 });
    await exchange({ method: 'POST', path: '/api/v1/rules/reload', status: 200 });
  });

  it('reads the recent audit events, about, health and metrics', async () => {
    const recent = await exchange({ method: 'GET', path: '/api/v1/audit/recent', url: '/api/v1/audit/recent?limit=10', status: 200 });
    expect((recent.json as { events: unknown[] }).events.length).toBeGreaterThan(0);
    await exchange({ method: 'GET', path: '/api/v1/audit/recent', url: '/api/v1/audit/recent?cluster=lab', status: 200 });
    await exchange({ method: 'GET', path: '/api/v1/audit/recent', url: '/api/v1/audit/recent?limit=many', status: 400 });
    await exchange({ method: 'GET', path: '/api/v1/about', status: 200 });
    await exchange({ method: 'GET', path: '/api/v1/healthz', signedIn: false, status: 200 });
    await exchange({ method: 'GET', path: '/healthz', signedIn: false, status: 200 });
    await exchange({ method: 'GET', path: '/metrics', signedIn: false, status: 200 });
  });

  it('exercised every documented operation with a success, and 400, 401, 403 and 404 answers', () => {
    const operations = Object.entries(contract.document.paths).flatMap(([path, item]) =>
      (['GET', 'POST'] as const).flatMap((method) => ((item as Record<string, unknown>)[method.toLowerCase()] ? [`${method} ${path}`] : [])),
    );
    expect(operations.length).toBeGreaterThan(30);
    const succeeded = new Set([...validated].filter((entry) => / 2\d\d$/.test(entry)).map((entry) => entry.replace(/ \d+$/, '')));
    // The two lists side by side: a documented operation not called here (or called without success) shows as a difference.
    expect([...succeeded].sort(), 'operations with a validated success answer vs. the documented ones: call new ones in this file').toEqual([...operations].sort());
    const errorStatuses = new Set([...validated].map((entry) => Number(entry.split(' ').pop())).filter((status) => status >= 400));
    expect([...errorStatuses].sort()).toEqual(expect.arrayContaining([400, 401, 403, 404]));
  });
});
