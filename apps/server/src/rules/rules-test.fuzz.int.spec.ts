import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRules, type RulesFile } from '@peregrine/engine';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rulesText } from '../../../../packages/engine/src/testing/rules-arbitrary';
import { codeOf, contractBreach, FuzzTally, fuzzParameters, fuzzTimeoutMs, jsonText, oddString, RejectionRecorder, request } from '../testing/fuzz';
import { startTestServer, type TestServer } from '../testing/test-server';
import { TEST_RULES_FILE } from './rules-test';

/**
 * Issue #16, fuzzing `POST /api/v1/rules/test`: generated rules files (the engine's fuzz
 * generator: lists, macros, rules, append, override, exceptions, broken YAML) with or without
 * the rules in force, with audit events (mutated) or anything else as the event, and bodies of
 * the wrong shape. Every answer is a 200 or a coded 4xx; the engine never throws on the rules
 * thread (that would be 422 RULES_TEST_FAILED); the errors match what `loadRules` reports for
 * the same text; nothing rejects unhandled; nothing hangs. One server for the whole suite
 * (its rules thread is the build's worker file: build first, as `npm test` does).
 */

const RUNS = 100;
const MS_PER_RUN = 150;
const ROOT = join(__dirname, '../../../..');
const SHIPPED: RulesFile = { name: join(ROOT, 'rules/k8s_audit_rules.yaml'), text: readFileSync(join(ROOT, 'rules/k8s_audit_rules.yaml'), 'utf8') };
const TRACES = join(ROOT, 'fixtures/conformance/traces');
const EVENTS: unknown[] = readdirSync(TRACES)
  .flatMap((name) => readFileSync(join(TRACES, name), 'utf8').split('\n'))
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as unknown);

/** An audit event (a trace's, with values replaced), an EventList of them, or any JSON. */
const eventText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...EVENTS), fc.array(fc.tuple(fc.constantFrom('user', 'verb', 'objectRef', 'requestObject', 'stageTimestamp', 'requestURI', 'kind', 'impersonatedUser', 'responseObject'), jsonText({ maxDepth: 3 })), { maxLength: 3 })).map(([event, changes]) => {
      let text = JSON.stringify(event);
      for (const [key, value] of changes) text = text.replace(new RegExp(`"${key}":`), `"${key}":${value},"_was_${key}":`);
      return text;
    }) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...EVENTS), { maxLength: 4 }).map((items) => JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items })) },
  { weight: 1, arbitrary: jsonText({ maxDepth: 3 }) },
);

/** A body as the dashboard's rule editor would post it, or of the wrong shape. */
const body: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ rules: fc.option(rulesText, { freq: 8, nil: undefined }), event: fc.option(eventText, { freq: 2, nil: undefined }), withStockRules: fc.option(fc.boolean(), { freq: 2, nil: undefined }) }).map(({ rules, event, withStockRules }) => `{${[rules === undefined ? '' : `"rules":${JSON.stringify(rules)}`, event === undefined ? '' : `"event":${event}`, withStockRules === undefined ? '' : `"withStockRules":${withStockRules}`].filter(Boolean).join(',')}}`) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('rules', 'event', 'withStockRules', 'Rules'), jsonText({ maxDepth: 3 }), fc.option(eventText, { nil: undefined })).map(([key, value, event]) => `{${JSON.stringify(key)}:${value}${event === undefined ? '' : `,"event":${event}`}}`) },
  { weight: 1, arbitrary: fc.oneof(jsonText({ maxDepth: 3 }), oddString({ maxHuge: 2000 }), fc.constantFrom('', '{', '[]', 'null', `{"rules":"${'x'.repeat(1024 * 1024 + 1)}"}`)) },
);

interface TryBody {
  ok?: boolean;
  errors?: Array<{ code: string; file: string; position?: { line: number; column: number } }>;
}

/** The request's rules text and stock choice, when the body is the object the route reads. */
function posted(text: string): { rules: string; withStock: boolean } | undefined {
  try {
    const value = JSON.parse(text) as { rules?: unknown; withStockRules?: unknown };
    return typeof value.rules === 'string' ? { rules: value.rules, withStock: value.withStockRules !== false } : undefined;
  } catch {
    return undefined;
  }
}

describe('fuzzing POST /api/v1/rules/test (issue #16)', () => {
  let server: TestServer;
  const rejections = new RejectionRecorder();
  const tally = new FuzzTally();

  beforeAll(async () => {
    rejections.install();
    server = await startTestServer({ PEREGRINE_LOG_LEVEL: 'warn', PEREGRINE_RULES_FILES: SHIPPED.name, PEREGRINE_RULES_WATCH: 'false' });
  });
  afterAll(async () => {
    tally.write();
    rejections.uninstall();
    await server?.stop();
  });

  it(
    'answers 200 with the errors loadRules reports for the same text, or a coded 4xx; the engine never fails on its thread',
    async () => {
      await fc.assert(
        fc.asyncProperty(body, fc.oneof({ weight: 6, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom('text/plain', undefined) }), async (content, type) => {
          const answer = await request(`${server.mainUrl}/api/v1/rules/test`, { method: 'POST', headers: type === undefined ? {} : { 'content-type': type }, body: content });
          tally.record('POST /api/v1/rules/test', answer);
          expect(contractBreach(answer)).toBeUndefined();
          // The engine threw on the rules thread: a bug, whatever the input.
          expect(codeOf(answer), answer.text.slice(0, 500)).not.toBe('RULES_TEST_FAILED');
          const sent = posted(content);
          if (answer.status !== 200 || type !== 'application/json' || !sent) return;
          const result = JSON.parse(answer.text) as TryBody;
          const expected = loadRules([...(sent.withStock ? [SHIPPED] : []), { name: TEST_RULES_FILE, text: sent.rules }]);
          expect(result.ok).toBe(expected.errors.length === 0);
          expect(result.errors?.map((issue) => [issue.code, issue.file, issue.position?.line])).toEqual(expected.errors.map((issue) => [issue.code, issue.file, issue.position?.line]));
        }),
        fuzzParameters(RUNS),
      );
    },
    fuzzTimeoutMs(RUNS, MS_PER_RUN),
  );

  it('left no unhandled rejection, and the server still answers /healthz at once', async () => {
    expect(tally.tried('POST /api/v1/rules/test')).toBeGreaterThan(0);
    for (const url of [server.compatUrl, server.mainUrl]) {
      const started = performance.now();
      expect((await request(`${url}/healthz`, {}, 2000)).status).toBe(200);
      expect(performance.now() - started).toBeLessThan(1000);
    }
    expect(rejections.seen).toEqual([]);
  });
});
