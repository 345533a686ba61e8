import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, contractBreach, FuzzTally, fuzzParameters, fuzzTimeoutMs, jsonText, nested, nestingLevels, numberToken, oddString, percentEncode, rawBytes, RejectionRecorder, request, rfc3339, withInvalidUtf8 } from '../testing/fuzz';
import { startTestServer, type TestServer } from '../testing/test-server';

/**
 * Issue #16, fuzzing: Kubernetes audit webhook bodies (`POST /k8s-audit`) built from the real
 * events of Falco's regression traces — one Event, an EventList, arrays of either — then
 * mutated: fields removed, of the wrong type, odd unicode, huge strings, numbers beyond 2^53,
 * deep nesting, bytes that are not UTF-8. Every answer is a 200 or a coded 4xx; the alerts an
 * answer counts are stored; nothing rejects unhandled; nothing hangs; the recent-events view
 * keeps answering. One server (with the shipped rules) for the whole suite.
 */

const RUNS = 150;
const MS_PER_RUN = 80;
const ROOT = join(__dirname, '../../../..');
const TRACES = join(ROOT, 'fixtures/conformance/traces');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Every audit Event of the regression traces. */
const EVENTS: JsonObject[] = readdirSync(TRACES)
  .filter((name) => name.endsWith('.json'))
  .flatMap((name) => readFileSync(join(TRACES, name), 'utf8').split('\n'))
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Json)
  .filter((value): value is JsonObject => isObject(value) && value['kind'] === 'Event');

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Paths into an event (up to four keys deep), which mutations pick from. */
function pathsOf(value: Json, prefix: string[] = [], out: string[][] = []): string[][] {
  if (prefix.length >= 4 || !isObject(value)) return out;
  for (const [key, child] of Object.entries(value)) {
    out.push([...prefix, key]);
    pathsOf(child, [...prefix, key], out);
  }
  return out;
}

/** A value to put somewhere: raw JSON text (so numbers beyond 2^53 stay as written). */
const rawValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: oddString().map((s) => JSON.stringify(s)) },
  { weight: 2, arbitrary: numberToken },
  { weight: 2, arbitrary: jsonText({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom('null', 'true', '[]', '{}', '"Event"', '"EventList"', '"audit.k8s.io/v1"', '"2026-13-45T99:99:99Z"', '"/api/v1/namespaces/x/pods"') },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('1', '"x"', '{}'), nestingLevels, fc.constantFrom('array' as const, 'object' as const)).map(([leaf, levels, shape]) => nested(leaf, levels, shape)) },
);

type Mutation = { kind: 'delete'; path: number } | { kind: 'set'; path: number; value: string } | { kind: 'add'; path: number; key: string; value: string } | { kind: 'time'; value: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), path: fc.nat() }),
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('set' as const), path: fc.nat(), value: rawValue }) },
  // The event's time, any RFC 3339 date of years 0000-9999 with any offset.
  fc.record({ kind: fc.constant('time' as const), value: rfc3339 }),
  fc.record({ kind: fc.constant('add' as const), path: fc.nat(), key: fc.oneof(oddString({ maxHuge: 2000 }), fc.constantFrom('__proto__', 'constructor', 'kind', 'items')), value: rawValue }),
);

/** One event as text, mutated; `fresh` when its auditID is still one this run made unique. */
interface EventText {
  text: string;
  fresh: boolean;
}

let nextId = 0;

function eventText(base: JsonObject, mutations: readonly Mutation[]): EventText {
  const event = structuredClone(base);
  // A unique auditID per event sent: alerts of the same event and rule are stored once, by design.
  event['auditID'] = `fuzz-${process.pid}-${nextId++}`;
  const raws: string[] = [];
  const placeholder = (raw: string): string => {
    raws.push(raw);
    return `\u0000raw${raws.length - 1}\u0000`;
  };
  let fresh = true;
  for (const change of mutations) {
    if (change.kind === 'time') {
      event['stageTimestamp'] = change.value;
      continue;
    }
    const paths = pathsOf(event);
    if (paths.length === 0) break;
    const path = paths[change.path % paths.length] as string[];
    if (path[0] === 'auditID') fresh = false;
    const parent = path.slice(0, -1).reduce<Json>((node, key) => (isObject(node) ? (node[key] ?? null) : null), event);
    const key = path[path.length - 1] as string;
    if (!isObject(parent)) continue;
    if (change.kind === 'delete') delete parent[key];
    else if (change.kind === 'set') parent[key] = placeholder(change.value);
    else {
      const target = parent[key];
      if (!isObject(target)) continue;
      // A key written as its own JSON property, even `__proto__`.
      Object.defineProperty(target, change.key, { value: placeholder(change.value), enumerable: true, configurable: true, writable: true });
    }
  }
  const text = JSON.stringify(event).replace(/"\\u0000raw(\d+)\\u0000"/g, (_match, index: string) => raws[Number(index)] ?? 'null');
  return { text, fresh };
}

const event: fc.Arbitrary<EventText> = fc.tuple(fc.constantFrom(...EVENTS), fc.array(mutation, { maxLength: 4 })).map(([base, mutations]) => eventText(base, mutations));

const apiVersion = fc.constantFrom('"audit.k8s.io/v1"', '"audit.k8s.io/v1beta1"', '"audit.k8s.io/v2"', '1', 'null');

/** A webhook body: one Event, an EventList, an array of either, or something else entirely. */
interface AuditBody {
  content: string | Uint8Array;
  /** Every event kept the auditID this run gave it: then each alert counted is a new one. */
  fresh: boolean;
}

const body: fc.Arbitrary<AuditBody> = fc.oneof(
  { weight: 4, arbitrary: event.map((e) => ({ content: e.text, fresh: e.fresh })) },
  { weight: 4, arbitrary: fc.tuple(fc.array(event, { maxLength: 6 }), apiVersion).map(([items, version]) => ({ content: `{"kind":"EventList","apiVersion":${version},"metadata":{},"items":[${items.map((e) => e.text).join(',')}]}`, fresh: items.every((e) => e.fresh) })) },
  { weight: 2, arbitrary: fc.array(fc.oneof(event, event.map((e) => ({ text: `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[${e.text}]}`, fresh: e.fresh })), rawValue.map((text) => ({ text, fresh: true }))), { maxLength: 5 }).map((items) => ({ content: `[${items.map((e) => e.text).join(',')}]`, fresh: items.every((e) => e.fresh) })) },
  { weight: 1, arbitrary: fc.tuple(event, fc.nat()).map(([e, at]) => ({ content: withInvalidUtf8(e.text, at % (e.text.length + 1)), fresh: e.fresh })) },
  { weight: 1, arbitrary: fc.tuple(event, nestingLevels, fc.constantFrom('array' as const, 'object' as const)).map(([e, levels, shape]) => ({ content: nested(e.text, levels, shape), fresh: e.fresh })) },
  { weight: 1, arbitrary: fc.array(event, { minLength: 2, maxLength: 3 }).map((items) => ({ content: items.map((e) => e.text).join('\n'), fresh: true })) },
  { weight: 1, arbitrary: fc.oneof(rawValue, fc.constantFrom('', '{', '{"kind":"EventList"}', '{"kind":"EventList","items":{}}', '{"kind":"EventList","items":null}', '{"kind":"Event"}')).map((content) => ({ content, fresh: true })) },
  { weight: 1, arbitrary: rawBytes.map((content) => ({ content, fresh: true })) },
);

const contentType = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'Application/JSON') }, { weight: 1, arbitrary: fc.constantFrom(undefined, 'text/plain', 'application/x-ndjson') });
const path = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('/k8s-audit', '/k8s_audit', '/k8s-audit/prod-eu', '/k8s-audit/prod-eu/sometoken') }, fc.constantFrom('/k8s-audit', '/k8s_audit', '/k8s-audit/prod-eu', '/k8s-audit/prod-eu/sometoken', '/k8s-audit/bad%20name', '/k8s-audit/-x', `/k8s-audit/${'c'.repeat(256)}`), oddString({ maxHuge: 300 }).map((name) => `/k8s-audit/${percentEncode(name)}`));

interface AuditAnswerBody {
  alerts?: number;
}

describe('fuzzing the Kubernetes audit webhook (issue #16)', () => {
  let server: TestServer;
  const rejections = new RejectionRecorder();
  const tally = new FuzzTally();

  beforeAll(async () => {
    rejections.install();
    server = await startTestServer({ PEREGRINE_LOG_LEVEL: 'warn', PEREGRINE_RULES_FILES: join(ROOT, 'rules/k8s_audit_rules.yaml'), PEREGRINE_RULES_WATCH: 'false' });
  });
  afterAll(async () => {
    tally.write();
    rejections.uninstall();
    await server?.stop();
  });

  async function storedCount(): Promise<number> {
    const answer = await request(`${server.mainUrl}/api/v1/events/count`);
    expect(answer.status).toBe(200);
    return (JSON.parse(answer.text) as { statistics: { all: number } }).statistics.all;
  }

  it(
    'POST /k8s-audit on both ports: a 200 or a coded 4xx, and every alert it counts is stored',
    async () => {
      let stored = await storedCount();
      await fc.assert(
        fc.asyncProperty(body, contentType, path, fc.boolean(), async ({ content, fresh }, type, route, mainPort) => {
          const answer: Answer = await request(`${mainPort ? server.mainUrl : server.compatUrl}${route}`, { method: 'POST', headers: type === undefined ? {} : { 'content-type': type }, body: content });
          tally.record('POST /k8s-audit', answer);
          expect(contractBreach(answer)).toBeUndefined();
          const alerts = answer.contentType.includes('json') ? ((JSON.parse(answer.text) as AuditAnswerBody).alerts ?? 0) : 0;
          if (alerts > 0) tally.record('alerts stored from audit events', `${alerts} per answer`);
          const before = stored;
          // Reads wait for indexing; ask again briefly until the count settles on what was acknowledged.
          for (let attempt = 0; attempt < 50; attempt++) {
            stored = await storedCount();
            if (stored - before === alerts || (!fresh && stored - before <= alerts)) break;
            await new Promise((done) => setTimeout(done, 100));
          }
          if (fresh) expect(stored - before, `alerts stored for ${answer.text.slice(0, 200)}`).toBe(alerts);
          else expect(stored - before).toBeLessThanOrEqual(alerts);
          const recent = await request(`${server.mainUrl}/api/v1/audit/recent?limit=3`);
          expect(recent.status, recent.text.slice(0, 300)).toBe(200);
        }),
        fuzzParameters(RUNS),
      );
    },
    fuzzTimeoutMs(RUNS, MS_PER_RUN),
  );

  it('keeps /api/v1/audit/recent answering for everything kept, leaves no unhandled rejection, and still answers /healthz at once', async () => {
    expect(tally.tried('POST /k8s-audit')).toBeGreaterThan(0);
    const recent = await request(`${server.mainUrl}/api/v1/audit/recent?limit=1000`);
    expect(recent.status).toBe(200);
    for (const url of [server.compatUrl, server.mainUrl]) {
      const started = performance.now();
      expect((await request(`${url}/healthz`, {}, 2000)).status).toBe(200);
      expect(performance.now() - started).toBeLessThan(1000);
    }
    expect(rejections.seen).toEqual([]);
  });
});
