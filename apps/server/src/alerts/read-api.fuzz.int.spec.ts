import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractBreach, FuzzTally, fuzzParameters, fuzzTimeoutMs, oddString, percentEncode, RejectionRecorder, request } from '../testing/fuzz';
import { startPostgres, type TestPostgres } from '../testing/postgres';
import { startTestServer, type TestServer } from '../testing/test-server';

/**
 * Issue #16, fuzzing: every parameter of the read API — the alerts list, stats, export, one
 * alert, falcosidekick-ui's search and counts, recent audit events, outputs, rules, about —
 * with values of every kind (right and wrong, out of range, repeated, odd unicode, broken
 * percent-encoding). Every answer is a 200 whose body parses, or a coded 4xx; nothing rejects
 * unhandled; nothing hangs. One server, with alerts of many shapes stored first.
 */

const RUNS = 400;
const MS_PER_RUN = 40;

/** The filter every alert route reads (alert-filter.ts), in Peregrine's and falcosidekick-ui's names. */
const FILTER_PARAMETERS = ['priority', 'min_priority', 'rule', 'source', 'hostname', 'cluster', 'namespace', 'tags', 'q', 'filter', 'since', 'from', 'until'];

/** Each route, and the parameters its controller reads beyond the filter. */
/** `always`: a parameter the route needs, sent on (almost) every request so the rest is reached. */
const ROUTES: ReadonlyArray<{ name: string; path: fc.Arbitrary<string>; parameters: readonly string[]; filter: boolean; always?: string }> = [
  { name: '/api/v1/alerts', path: fc.constant('/api/v1/alerts'), parameters: ['limit', 'cursor'], filter: true },
  { name: '/api/v1/alerts/stats', path: fc.constant('/api/v1/alerts/stats'), parameters: ['by', 'top', 'bucket'], filter: true, always: 'by' },
  { name: '/api/v1/alerts/export', path: fc.constant('/api/v1/alerts/export'), parameters: ['format'], filter: true },
  { name: '/api/v1/alerts/:uuid', path: fc.oneof(fc.uuid(), oddString({ maxHuge: 3000 })).map((uuid) => `/api/v1/alerts/${percentEncode(uuid)}`), parameters: [], filter: false },
  { name: '/api/v1/events/search', path: fc.constant('/api/v1/events/search'), parameters: ['limit', 'page'], filter: true },
  { name: '/api/v1/events/count', path: fc.constant('/api/v1/events/count'), parameters: [], filter: true },
  { name: '/api/v1/events/count/:groupby', path: fc.oneof(fc.constantFrom('priority', 'rule', 'source', 'hostname', 'cluster', 'namespace', 'tags', 'Priority', 'constructor', '__proto__', 'time'), oddString({ maxHuge: 3000 })).map((by) => `/api/v1/events/count/${percentEncode(by)}`), parameters: [], filter: true },
  { name: '/api/v1/audit/recent', path: fc.constant('/api/v1/audit/recent'), parameters: ['limit', 'cluster'], filter: false },
  { name: 'other routes', path: fc.constantFrom('/api/v1/outputs', '/api/v1/rules', '/api/v1/rules/status', '/api/v1/about', '/api/v1/healthz', '/api/v1/auth/me', '/metrics', '/api/v1/nope', '/api/v1/alerts/', '/api/v1/events/count/'), parameters: [], filter: false },
];

const TIMES: fc.Arbitrary<string> = fc.oneof(fc.constantFrom('2026-11-20T10:00:00Z', '2026-11-20T10:00:00.123456789+02:00', '0', '1', '-1', '1795442727146', '99999999999999999999999', '9223372036854775807', '2262-04-11T23:47:16.854775808Z', '0001-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '2026-02-30T00:00:00Z', 'yesterday', '1e12'), fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String));

const PARAMETER_VALUES: Readonly<Record<string, fc.Arbitrary<string>>> = {
  priority: fc.constantFrom('warning', 'critical,notice', 'Emergency', 'INFO', 'informational', 'debug,,,', 'null', 'loud', ' Error '),
  min_priority: fc.constantFrom('warning', 'Emergency', 'debug', 'x', 'null', ''),
  cluster: fc.constantFrom('eu', 'us', 'eu,us', 'constructor', '__proto__'),
  tags: fc.constantFrom('shell', 'k8s,shell', ',', 'constructor', 'toString'),
  since: fc.oneof(fc.constantFrom('15m', '24h', '7d', '3600', '0', '100y', '101y', '1M', '2w', '1 h', '-1h', '1.5h', 'h', '99999999999999999999d', '9007199254740993s', 'Infinity', '1e3s'), fc.tuple(fc.nat(), fc.constantFrom('s', 'm', 'h', 'd', 'w', 'M', 'y', 'years', 'fortnights', '')).map(([n, unit]) => `${n}${unit}`)),
  from: TIMES,
  until: TIMES,
  by: fc.oneof({ weight: 8, arbitrary: fc.constantFrom('priority', 'rule', 'source', 'hostname', 'cluster', 'namespace', 'tags') }, { weight: 1, arbitrary: fc.constantFrom('time', 'constructor', '__proto__', '', 'Priority') }),
  top: fc.oneof(fc.constantFrom('1', '10', '1000', '1001', '0', '-1', '1.5', '1e3', 'NaN', 'Infinity', '0x10', ' 5'), fc.integer().map(String)),
  bucket: fc.oneof(fc.constantFrom('auto', '1s', '30s', '5m', '1h', '1d', '3660d', '3661d', '0s', '999ms', '1w', '1', 'auto,auto'), fc.tuple(fc.nat(), fc.constantFrom('s', 'm', 'h', 'd')).map(([n, unit]) => `${n}${unit}`)),
  format: fc.constantFrom('json', 'csv', 'JSON', 'xml', ''),
  limit: fc.oneof(fc.constantFrom('1', '50', '1000', '1001', '0', '-5', '1.5', '1e2', 'NaN', '99999999999999999999', ' 10', '1000000', '999999'), fc.integer().map(String)),
  page: fc.oneof(fc.constantFrom('1', '2', '1000000', '1000001', '0', '-1', '1.0', 'x'), fc.integer().map(String)),
  cursor: fc.oneof(fc.constantFrom('', 'x', 'MTIz', 'eyJ0IjoiMSIsImkiOjF9', '1795442727146981532:5', '-1:-1', '99999999999999999999999:1', ':', 'null'), oddString({ maxHuge: 2000 })),
};

/** A value for a parameter: its own kind (right and wrong) most of the time, else anything. */
function valueFor(name: string): fc.Arbitrary<string> {
  const own = PARAMETER_VALUES[name];
  return own ? fc.oneof({ weight: 3, arbitrary: own }, { weight: 1, arbitrary: oddString({ maxHuge: 5000 }) }) : oddString({ maxHuge: 5000 });
}

/** One `key=value` pair, percent-encoded, or broken on purpose. */
function pair(name: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 12, arbitrary: valueFor(name).map((value) => `${name}=${percentEncode(value)}`) },
    { weight: 1, arbitrary: fc.constantFrom(`${name}`, `${name}=`, `${name}=%`, `${name}=%zz`, `${name}=%E0%A4%A`, `${name}=%00`, `${name}[]=x`, `${name}[a]=1`, `${name}=a&${name}=b`, `${name}=null`) },
  );
}

const odd = fc.oneof(fc.constantFrom('__proto__=1', 'constructor=x', 'toString=1', 'hasOwnProperty=1', '=x', '&&', '?', '%=%'), oddString({ maxHuge: 500 }).map((key) => `${percentEncode(key)}=1`));

const routeRequest: fc.Arbitrary<{ route: string; path: string }> = fc.constantFrom(...ROUTES).chain((route) => {
  const names = [...route.parameters, ...(route.filter ? FILTER_PARAMETERS : [])];
  const pairs = names.length === 0 ? fc.constant([] as string[]) : fc.array(fc.constantFrom(...names).chain(pair), { maxLength: 6 });
  const always = route.always === undefined ? fc.constant([] as string[]) : fc.option(PARAMETER_VALUES[route.always] ?? fc.constant(''), { freq: 10, nil: undefined }).map((value) => (value === undefined ? [] : [`${route.always}=${percentEncode(value)}`]));
  return fc.tuple(route.path, always, pairs, fc.array(odd, { maxLength: 2 })).map(([path, needed, chosen, extra]) => {
    const query = [...needed, ...chosen, ...extra].join('&');
    return { route: route.name, path: query === '' ? path : `${path}?${query}` };
  });
});

/** Against each store: the queries are the store's own SQL, and PostgreSQL refuses values SQLite takes (U+0000 in a parameter). */
describe.each([
  { store: 'SQLite', runs: RUNS },
  { store: 'PostgreSQL', runs: Math.ceil(RUNS / 3) },
])('fuzzing the read API on $store (issue #16)', ({ store, runs }) => {
  let server: TestServer;
  let postgres: TestPostgres | undefined;
  const rejections = new RejectionRecorder();
  const tally = new FuzzTally();

  beforeAll(async () => {
    rejections.install();
    if (store === 'PostgreSQL') postgres = await startPostgres();
    server = await startTestServer({ PEREGRINE_LOG_LEVEL: 'warn', ...(postgres ? { PEREGRINE_DB_DRIVER: 'postgres', PEREGRINE_DB_URL: postgres.url } : {}) });
    // Alerts of many shapes, so filters, counts, timelines and exports have rows to walk.
    const times = ['2026-11-20T10:00:00.000000001Z', '1970-01-01T00:00:00Z', '2262-04-11T23:47:16.854775807Z', '1970-01-01T00:00:00.000000001Z', '2026-11-20T10:05:00+14:00', new Date().toISOString(), '1677-09-21T00:12:43.145224192Z', '1969-12-31T23:59:59.999999999Z'];
    const names = ['Terminal shell in container', 'constructor', '__proto__', '=cmd|"/c calc"!A1', '日本語 ルール', 'x'.repeat(512)];
    for (let i = 0; i < 36; i++) {
      const body = JSON.stringify({
        time: times[i % times.length],
        rule: names[i % names.length],
        priority: ['Notice', 'Warning', 'Critical', 'Debug', 'Emergency'][i % 5],
        source: ['syscall', 'k8s_audit', 'constructor'][i % 3],
        hostname: `node-${i % 4}`,
        output: `alert ${i} \u0000 "quoted" 100% _x_`,
        output_fields: { 'k8s.ns.name': ['prod', 'kube-system', 'constructor', '__proto__'][i % 4], 'evt.time': 'EVT_TIME', n: i },
        tags: [['shell', 'container'], ['k8s'], [], ['constructor', 'toString'], ['=SUM(A1)']][i % 5],
      }).replace('"EVT_TIME"', '1795442727146981532'); // beyond 2^53, as Falco sends evt.time
      const cluster = ['eu', 'us', 'constructor'][i % 3] ?? 'eu';
      const answer = await request(`${server.compatUrl}/?cluster=${cluster}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(answer.status, answer.text).toBe(200);
    }
    const auditEvent = { kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: 'fuzz-read', stage: 'ResponseComplete', requestURI: '/healthz', verb: 'get', user: { username: 'constructor' }, stageTimestamp: '2026-11-23T00:00:00.000000Z' };
    expect((await request(`${server.mainUrl}/k8s-audit/eu`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(auditEvent) })).status).toBe(200);
  });
  afterAll(async () => {
    tally.write();
    rejections.uninstall();
    await server?.stop();
    await postgres?.stop();
  });

  it(
    'GET every read route with generated parameters: a 200 whose body parses, or a coded 4xx',
    async () => {
      await fc.assert(
        fc.asyncProperty(routeRequest, async ({ route, path }) => {
          const answer = await request(`${server.mainUrl}${path}`);
          tally.record(`GET ${route} (${store})`, answer);
          expect(contractBreach(answer), path.slice(0, 300)).toBeUndefined();
          if (answer.status !== 200) return;
          if (answer.contentType.includes('json')) expect(() => JSON.parse(answer.text) as unknown, path.slice(0, 300)).not.toThrow();
          if (answer.contentType.includes('text/csv')) expect(answer.text.endsWith('\r\n')).toBe(true);
        }),
        fuzzParameters(runs),
      );
    },
    fuzzTimeoutMs(runs, MS_PER_RUN),
  );

  it(
    'POST /api/v1/outputs/:name/replay with any name: a coded 4xx (no output has that name)',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.constantFrom('slack', 'webhook', 'constructor', '__proto__', 'toString'), oddString({ maxHuge: 3000 })), async (name) => {
          const answer = await request(`${server.mainUrl}/api/v1/outputs/${percentEncode(name)}/replay`, { method: 'POST' });
          tally.record(`POST /api/v1/outputs/:name/replay (${store})`, answer);
          expect(contractBreach(answer)).toBeUndefined();
          expect(answer.status).toBeGreaterThanOrEqual(400);
        }),
        fuzzParameters(Math.ceil(runs / 8)),
      );
    },
    fuzzTimeoutMs(Math.ceil(runs / 8), MS_PER_RUN),
  );

  it('left no unhandled rejection, and the server still answers /healthz at once', async () => {
    expect(tally.tried(`GET /api/v1/alerts (${store})`)).toBeGreaterThan(0);
    const started = performance.now();
    expect((await request(`${server.mainUrl}/healthz`, {}, 2000)).status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(rejections.seen).toEqual([]);
  });
});
