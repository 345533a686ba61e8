/**
 * Falco's k8s-audit regression cases (fixtures/conformance/cases.json), every one, through the
 * product over HTTP: the case's rules files are loaded by the server (written to its rules
 * folder, then `POST /api/v1/rules/reload`), its trace is posted to `/k8s-audit/<case>` as a
 * kube-apiserver posts a batch (an EventList, `Content-Type: application/json`), and the
 * alerts are read back from the store. Expectations are the corpus's, never edited here.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parsePriority } from '@peregrine/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/test-server';

const ROOT = join(__dirname, '../../../../fixtures/conformance');

interface Case {
  name: string;
  rules: string[];
  trace: string;
  detect: boolean;
  detect_level: string | null;
  detect_counts: Record<string, number>;
  expect_ingest_errors: string[];
  disabled_rules: string[];
  disable_tags: string[];
  run_tags: string[];
}

const corpus = JSON.parse(readFileSync(join(ROOT, 'cases.json'), 'utf8')) as { defaults: { rule_matching: string; min_priority: string }; cases: Case[] };

/** A trace file holds one JSON value per line; the apiserver would send them as one EventList. */
function traceAsEventList(path: string): string {
  const items = readFileSync(join(ROOT, path), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);
  return JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items });
}

interface StoredAlert {
  rule: string;
  priority: string;
  source: string;
  hostname: string;
  cluster: string;
}

describe('conformance over HTTP: every Falco k8s-audit case through POST /k8s-audit', () => {
  let server: TestServer;
  let rulesDir: string;

  beforeAll(async () => {
    // Every case in the corpus uses Falco's defaults; the server runs with the same ones.
    expect(corpus.cases.every((c) => c.disabled_rules.length === 0 && c.disable_tags.length === 0 && c.run_tags.length === 0)).toBe(true);
    expect(corpus.defaults).toMatchObject({ rule_matching: 'first', min_priority: 'debug' });
    rulesDir = mkdtempSync(join(tmpdir(), 'peregrine-conformance-rules-'));
    writeFileSync(join(rulesDir, '00-k8s_audit_rules.yaml'), readFileSync(join(ROOT, 'rules/k8s_audit_rules.latest.yaml')));
    server = await startTestServer({ PEREGRINE_RULES_FILES: rulesDir, PEREGRINE_RULES_WATCH: 'false', PEREGRINE_RULES_RULE_MATCHING: 'first', PEREGRINE_RULES_MIN_PRIORITY: 'debug' });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(rulesDir, { recursive: true, force: true });
  });

  corpus.cases.forEach((c, index) => {
    it(`${c.name}`, async () => {
      rmSync(rulesDir, { recursive: true, force: true });
      mkdirSync(rulesDir);
      // The folder loads in name order: the prefix keeps the case's order.
      c.rules.forEach((path, position) => writeFileSync(join(rulesDir, `${String(position).padStart(2, '0')}-${basename(path)}`), readFileSync(join(ROOT, path))));
      const reload = await fetch(`${server.mainUrl}/api/v1/rules/reload`, { method: 'POST' });
      expect(reload.status, JSON.stringify(await reload.clone().json())).toBe(200);

      const cluster = `case-${index}`;
      const response = await fetch(`${server.mainUrl}/k8s-audit/${cluster}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: traceAsEventList(c.trace) });
      const answer = (await response.json()) as { errors?: Array<{ message: string }> };
      if (c.expect_ingest_errors.length === 0) expect(response.status, JSON.stringify(answer)).toBe(200);
      else {
        // The good events are stored; the bad ones are named, as the plugin reports them.
        expect(response.status).toBe(400);
        expect((answer.errors ?? []).map((e) => e.message)).toEqual(expect.arrayContaining(c.expect_ingest_errors.map((m) => expect.stringContaining(m) as unknown)));
      }

      const page = (await (await fetch(`${server.mainUrl}/api/v1/alerts?cluster=${cluster}&limit=1000`)).json()) as { results: StoredAlert[] };
      const alerts = page.results;
      expect(alerts.every((a) => a.source === 'k8s_audit' && a.cluster === cluster && a.hostname === cluster)).toBe(true);
      if (!c.detect) {
        expect(alerts.map((a) => a.rule)).toEqual([]);
        return;
      }
      // Falco writes INFO where the alert says Informational: compare priorities, not spellings.
      const level = parsePriority(c.detect_level ?? '');
      expect(level).toBeDefined();
      expect(alerts.some((a) => parsePriority(a.priority) === level)).toBe(true);
      const counts: Record<string, number> = {};
      for (const alert of alerts) counts[alert.rule] = (counts[alert.rule] ?? 0) + 1;
      for (const [rule, count] of Object.entries(c.detect_counts)) expect(counts[rule] ?? 0, rule).toBe(count);
    });
  });
});
