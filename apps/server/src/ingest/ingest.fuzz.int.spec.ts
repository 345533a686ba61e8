import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, contractBreach, FuzzTally, fuzzParameters, fuzzTimeoutMs, jsonText, nested, nestingLevels, numberToken, oddString, percentEncode, rawBytes, RejectionRecorder, request, rfc3339, withInvalidUtf8 } from '../testing/fuzz';
import { startPostgres, type TestPostgres } from '../testing/postgres';
import { startTestServer, type TestServer } from '../testing/test-server';

/**
 * Issue #16, fuzzing: Falco alerts as any sender could post them, on the three ingest routes —
 * the falcosidekick port's `POST /` (any path), the main port's `POST /api/v1/alerts` and
 * falcosidekick-ui's `POST /api/v1/events/add`. Fields missing, mistyped, in other letter
 * cases, twice, with odd unicode, huge strings, numbers beyond 2^53, deep nesting, bytes that
 * are not UTF-8. Every answer is a 200 or a coded 4xx; a 200 means the alert can be read back
 * through the API; nothing rejects unhandled; nothing hangs. One server for the whole suite.
 */

const RUNS = 150;
const MS_PER_RUN = 60;

const PRIORITY_TEXTS = ['Emergency', 'alert', 'CRITICAL', 'Error', 'warning', 'Notice', 'informational', 'info', 'Informational', 'debug', ' Debug ', 'Warning', 'Notice', 'WARN', 'fatal'];

const text = oddString();
const anyJson = jsonText({ maxDepth: 3 });
const str = (arbitrary: fc.Arbitrary<string>): fc.Arbitrary<string> => arbitrary.map((s) => JSON.stringify(s));

/** Output fields as Falco writes them (flat, numbers exact), or anything else. */
const outputFields: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.array(fc.tuple(fc.oneof(text, fc.constantFrom('evt.time', 'k8s.ns.name', 'k8s.pod.name', 'container.id', 'proc.cmdline', '__proto__', 'constructor')), fc.oneof(str(text), numberToken, fc.constantFrom('null', 'true', 'false', '[]', '{}', '[1,"a",null]'))), { minLength: 1, maxLength: 8 }).map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`) },
  { weight: 1, arbitrary: anyJson },
);

const VALID_FIELDS: ReadonlyArray<readonly [string, fc.Arbitrary<string>]> = [
  ['output', str(text)],
  ['priority', str(fc.constantFrom(...PRIORITY_TEXTS))],
  ['rule', str(fc.oneof(fc.constantFrom('Terminal shell in container', 'Read sensitive file untrusted'), text.filter((s) => s !== '')))],
  ['time', str(fc.oneof({ weight: 12, arbitrary: rfc3339 }, { weight: 1, arbitrary: text }))],
  ['output_fields', outputFields],
  ['source', str(fc.oneof(fc.constantFrom('syscall', 'k8s_audit', 'aws_cloudtrail', 'internal'), text))],
  ['tags', fc.array(str(text), { maxLength: 6 }).map((tags) => `[${tags.join(',')}]`)],
  ['hostname', str(text)],
  ['uuid', str(fc.oneof(fc.uuid(), text))],
];

type Entry = readonly [key: string, value: string];

/** What is done to a valid alert: a field dropped, mistyped, spelt in another case, given twice, or an unknown key added. */
type Mutation =
  | { kind: 'drop'; index: number }
  | { kind: 'replace'; index: number; value: string }
  | { kind: 'respell'; index: number; upper: boolean }
  | { kind: 'duplicate'; index: number; value: string }
  | { kind: 'extra'; key: string; value: string };

const wrongValue = fc.oneof(anyJson, fc.constant('null'), str(text), numberToken);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), index: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), index: fc.nat(), value: wrongValue }),
  fc.record({ kind: fc.constant('respell' as const), index: fc.nat(), upper: fc.boolean() }),
  fc.record({ kind: fc.constant('duplicate' as const), index: fc.nat(), value: wrongValue }),
  fc.record({ kind: fc.constant('extra' as const), key: text, value: anyJson }),
);

function mutate(entries: readonly Entry[], mutations: readonly Mutation[]): Entry[] {
  const result = [...entries];
  for (const change of mutations) {
    if (change.kind === 'extra') {
      result.push([change.key, change.value]);
      continue;
    }
    if (result.length === 0) continue;
    const index = change.index % result.length;
    const [key, value] = result[index] as Entry;
    if (change.kind === 'drop') result.splice(index, 1);
    else if (change.kind === 'replace') result[index] = [key, change.value];
    else if (change.kind === 'respell') result[index] = [change.upper ? key.toUpperCase() : `${key.charAt(0).toUpperCase()}${key.slice(1)}`, value];
    else result.splice(index + 1, 0, [key, change.value]);
  }
  return result;
}

/** A Falco alert object as text: a valid one, then 0-4 mutations, keys in any order. */
const alertObject: fc.Arbitrary<string> = fc
  .tuple(fc.tuple(...VALID_FIELDS.map(([key, value]) => value.map((v): Entry => [key, v]))), fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, { weight: 3, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 4 }) }))
  .chain(([valid, mutations]) => {
    const entries = mutate(valid, mutations);
    return fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length });
  })
  .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);

/** A body as it reaches the listener: mostly alerts, sometimes any JSON, deep nesting, broken bytes or an oversized alert. */
const body: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  { weight: 14, arbitrary: alertObject },
  { weight: 2, arbitrary: anyJson },
  { weight: 1, arbitrary: fc.tuple(alertObject, nestingLevels, fc.constantFrom('array' as const, 'object' as const)).map(([alert, levels, shape]) => nested(alert, levels, shape)) },
  { weight: 1, arbitrary: fc.tuple(alertObject, fc.nat()).map(([alert, at]) => withInvalidUtf8(alert, at % (alert.length + 1))) },
  { weight: 1, arbitrary: rawBytes },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'null', '[]', '{}', '{', '{"priority":', 'priority=Notice&rule=x', '\uFEFF{}') },
  { weight: 1, arbitrary: fc.constantFrom(4 * 1024 * 1024 - 200, 4 * 1024 * 1024 + 10).map((length) => `{"priority":"Notice","rule":"big","time":"2026-01-01T00:00:00Z","output_fields":{"a":1},"output":"${'x'.repeat(length)}"}`) },
);

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
  { weight: 2, arbitrary: fc.constantFrom(undefined, 'text/plain', 'application/x-www-form-urlencoded', 'application/cloudevents+json', 'application/json; charset=latin1') },
  { weight: 1, arbitrary: fc.constantFrom('text/html', 'multipart/form-data; boundary=x', '*/*', 'application/jsonx', '') },
);
const cluster = fc.oneof(
  { weight: 6, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: fc.constantFrom('prod-eu', 'a', 'eu-west-1.k8s:blue', 'x'.repeat(255)) },
  { weight: 2, arbitrary: fc.oneof(fc.constantFrom('x'.repeat(256), '-bad', 'bad name', ''), text) },
);

function headers(type: string | undefined): Record<string, string> {
  return type === undefined ? {} : { 'content-type': type };
}

function query(clusterName: string | null): string {
  return clusterName === null ? '' : `?cluster=${percentEncode(clusterName)}`;
}

/** The value of a key as Go's decoder picks it (an exact key wins over another case), parsed. */
function pickedValue(alertText: string, key: string): unknown {
  let picked: unknown;
  let exact = false;
  const entries = /^\{/.test(alertText) ? Object.entries(safeParse(alertText) ?? {}) : [];
  // JSON.parse keeps the last of duplicate keys, as Go's decoder does.
  for (const [k, v] of entries) {
    if (k === key) {
      picked = v;
      exact = true;
    } else if (!exact && k.toLowerCase() === key) picked = v;
  }
  return picked;
}

function safeParse(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Into each store: PostgreSQL refuses some values SQLite keeps (an int64 out of range), and a
 * row it refuses must never be acknowledged (it held up the indexing of every alert after it).
 */
describe.each([
  { store: 'SQLite', runs: RUNS },
  { store: 'PostgreSQL', runs: Math.ceil(RUNS / 3) },
])('fuzzing the Falco ingest routes into $store (issue #16)', ({ store, runs }) => {
  let server: TestServer;
  let postgres: TestPostgres | undefined;
  const rejections = new RejectionRecorder();
  const tally = new FuzzTally();
  /** Alerts the server acknowledged so far: what `/api/v1/events/count` must show. */
  let acknowledged = 0;
  const keptUuids = new Set<string>();

  beforeAll(async () => {
    rejections.install();
    if (store === 'PostgreSQL') postgres = await startPostgres();
    server = await startTestServer({ PEREGRINE_LOG_LEVEL: 'warn', ...(postgres ? { PEREGRINE_DB_DRIVER: 'postgres', PEREGRINE_DB_URL: postgres.url } : {}) });
  });
  afterAll(async () => {
    tally.write();
    rejections.uninstall();
    await server?.stop();
    await postgres?.stop();
  });

  const post = (url: string, content: string | Uint8Array, type: string | undefined): Promise<Answer> => request(url, { method: 'POST', headers: headers(type), body: content });

  function expectContract(target: string, answer: Answer): void {
    tally.record(`${target} (${store})`, answer);
    expect(contractBreach(answer), target).toBeUndefined();
  }

  /** The store holds exactly what was acknowledged (reads wait for indexing, so ask again briefly). */
  async function expectStoredCount(): Promise<void> {
    let all = -1;
    for (let attempt = 0; attempt < 50; attempt++) {
      const answer = await request(`${server.mainUrl}/api/v1/events/count`);
      expect(answer.status).toBe(200);
      all = (JSON.parse(answer.text) as { statistics: { all: number } }).statistics.all;
      if (all === acknowledged) return;
      await new Promise((done) => setTimeout(done, 100));
    }
    expect(all, 'alerts stored vs acknowledged').toBe(acknowledged);
  }

  it(
    "POST / (any path) on falcosidekick's port: 200 only for an alert that is then stored, else a coded 4xx",
    async () => {
      await fc.assert(
        fc.asyncProperty(body, contentType, cluster, fc.constantFrom('/', '/some/path', '/ingest/x', '/%E2%98%83'), async (content, type, clusterName, path) => {
          const answer = await post(`${server.compatUrl}${path}${query(clusterName)}`, content, type);
          expectContract('compat POST /', answer);
          if (answer.status === 200) acknowledged++;
          await expectStoredCount();
        }),
        fuzzParameters(runs),
      );
    },
    fuzzTimeoutMs(runs, MS_PER_RUN),
  );

  it(
    'POST /api/v1/alerts on the main port: 200 with a uuid that reads back, else a coded 4xx',
    async () => {
      await fc.assert(
        fc.asyncProperty(body, contentType, cluster, async (content, type, clusterName) => {
          const answer = await post(`${server.mainUrl}/api/v1/alerts${query(clusterName)}`, content, type);
          expectContract('main POST /api/v1/alerts', answer);
          if (answer.status !== 200) return;
          acknowledged++;
          const { uuid } = JSON.parse(answer.text) as { uuid: string };
          const stored = await request(`${server.mainUrl}/api/v1/alerts/${uuid}`);
          expect(stored.status, stored.text).toBe(200);
          expect((JSON.parse(stored.text) as { uuid: string }).uuid).toBe(uuid);
        }),
        fuzzParameters(runs),
      );
      await expectStoredCount();
    },
    fuzzTimeoutMs(runs, MS_PER_RUN),
  );

  it(
    "falcosidekick-ui's POST /api/v1/events/add: 200 for an event that is then stored (once per uuid), else a coded 4xx",
    async () => {
      const envelope = fc.oneof(
        { weight: 8, arbitrary: fc.tuple(body, fc.constantFrom('', ',"outputs":["WebUI"]', ',"outputs":null', ',"outputs":"x"')).map(([event, outputs]) => (typeof event === 'string' ? `{"event":${event}${outputs}}` : event)) },
        { weight: 1, arbitrary: body },
      );
      await fc.assert(
        fc.asyncProperty(envelope, contentType, cluster, fc.constantFrom('/api/v1/events/add', '/api/v1', '/'), async (content, type, clusterName, path) => {
          const answer = await post(`${server.mainUrl}${path}${query(clusterName)}`, content, type);
          expectContract('main POST /api/v1/events/add', answer);
          if (answer.status !== 200) return;
          const event = typeof content === 'string' ? JSON.stringify(safeParse(content)?.['event'] ?? null) : 'null';
          const uuid = pickedValue(event, 'uuid');
          if (typeof uuid === 'string' && UUID.test(uuid)) {
            // falcosidekick's uuid is kept: the alert reads back under it, and a repeat is stored once.
            if (!keptUuids.has(uuid.toLowerCase())) acknowledged++;
            keptUuids.add(uuid.toLowerCase());
            const stored = await request(`${server.mainUrl}/api/v1/alerts/${uuid}`);
            expect(stored.status, stored.text).toBe(200);
          } else {
            acknowledged++;
          }
          await expectStoredCount();
        }),
        fuzzParameters(runs),
      );
    },
    fuzzTimeoutMs(runs, MS_PER_RUN),
  );

  it('left no unhandled rejection, and the server still answers /healthz at once on both ports', async () => {
    expect(tally.tried(`compat POST / (${store})`)).toBeGreaterThan(0);
    for (const url of [server.compatUrl, server.mainUrl]) {
      const started = performance.now();
      expect((await request(`${url}/healthz`, {}, 2000)).status).toBe(200);
      expect(performance.now() - started).toBeLessThan(1000);
    }
    expect(rejections.seen).toEqual([]);
  });
});
