/**
 * Falco's own k8s-audit regression cases (fixtures/conformance/cases.json), every one of them,
 * through the real engine. Expectations are read as the corpus README defines them and never
 * edited here; a failing case is an engine bug.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractEvents, loadRules, parsePriority, type EngineAlert, type LoadOptions } from './index';

const ROOT = join(__dirname, '../../../fixtures/conformance');

interface LatestMapping {
  rules: string[];
  expected_rules_missing: string[];
  renamed_to: Record<string, string>;
  appends_to_undefined_lists: string[];
  appends_not_referenced_by_latest_rules: string[];
}

interface Case {
  name: string;
  rules: string[];
  trace: string;
  detect: boolean;
  detect_level: string | null;
  detect_counts: Record<string, number>;
  enabled_sources: string[];
  disabled_rules: string[];
  disable_tags: string[];
  run_tags: string[];
  expect_exit_status: number;
  expect_ingest_errors: string[];
  skip: boolean;
  load_divergence?: { items: Array<{ file: string; field: string; operator: string }> } | null;
  latest_ruleset: LatestMapping | null;
}

interface Corpus {
  defaults: { rule_matching: 'first' | 'all'; min_priority: string; time_source: string };
  counts: { cases: number };
  cases: Case[];
}

const corpus = JSON.parse(readFileSync(join(ROOT, 'cases.json'), 'utf8')) as Corpus;
const text = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const files = (paths: readonly string[]): Array<{ name: string; text: string }> => paths.map((path) => ({ name: path, text: text(path) }));

/** A trace holds one JSON value per line (the plugin reads traces line by line). */
function readTrace(path: string): { events: unknown[]; errors: string[] } {
  const events: unknown[] = [];
  const errors: string[] = [];
  for (const line of text(path).split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      errors.push(`invalid JSON: ${String(error)}`);
      continue;
    }
    const extracted = extractEvents(value);
    events.push(...extracted.events);
    errors.push(...extracted.errors.map((e) => e.message));
  }
  return { events, errors };
}

function run(rules: readonly string[], trace: string, c: Case): { alerts: EngineAlert[]; ingestErrors: string[]; load: ReturnType<typeof loadRules> } {
  // The harness passes disabled rules to Falco as -D (a substring of the name), tags as -T / -t.
  const options: LoadOptions = { disabledRulesMatching: c.disabled_rules, disabledTags: c.disable_tags, enabledTags: c.run_tags };
  const load = loadRules(files(rules), options);
  const { events, errors } = readTrace(trace);
  const minPriority = parsePriority(corpus.defaults.min_priority);
  const alerts = events.flatMap((event) => load.ruleset.evaluate(event, { ruleMatching: corpus.defaults.rule_matching, ...(minPriority ? { minPriority } : {}) }));
  return { alerts, ingestErrors: errors, load };
}

function countByRule(alerts: readonly EngineAlert[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const alert of alerts) counts[alert.rule] = (counts[alert.rule] ?? 0) + 1;
  return counts;
}

/** The harness's expectation: detect → some alert at detect_level and exact per-rule counts; else none. */
function expectDetection(alerts: readonly EngineAlert[], c: Case, renamed: Record<string, string> = {}): void {
  if (!c.detect) {
    expect(alerts.map((a) => a.rule)).toEqual([]);
    return;
  }
  const level = parsePriority(c.detect_level ?? '');
  expect(level, `detect_level ${c.detect_level ?? ''} names a priority`).toBeDefined();
  expect(alerts.some((a) => a.priority === level)).toBe(true);
  const counts = countByRule(alerts);
  for (const [rule, count] of Object.entries(c.detect_counts)) expect(counts[renamed[rule] ?? rule] ?? 0, `alerts of '${renamed[rule] ?? rule}'`).toBe(count);
}

describe('the conformance corpus', () => {
  it('has every case the README promises and none is skipped', () => {
    expect(corpus.cases).toHaveLength(66);
    expect(corpus.counts.cases).toBe(66);
    expect(corpus.cases.filter((c) => c.skip)).toEqual([]);
    expect(corpus.defaults).toMatchObject({ rule_matching: 'first', min_priority: 'debug', time_source: 'stageTimestamp' });
  });
});

describe.each(corpus.cases.map((c) => [c.name, c] as const))('conformance case %s', (_name, c) => {
  it('matches Falco’s expectation', () => {
    const { alerts, ingestErrors, load } = run(c.rules, c.trace, c);
    expect(load.errors).toEqual([]);
    expectDetection(alerts, c);
    // Exit status 0 means Falco read everything; ingest errors are those the harness greps for.
    expect(c.expect_exit_status).toBe(0);
    for (const expected of c.expect_ingest_errors) expect(ingestErrors.some((e) => e.includes(expected)), `an ingest error containing '${expected}'`).toBe(true);
    if (c.expect_ingest_errors.length === 0) expect(ingestErrors).toEqual([]);
    for (const alert of alerts) {
      expect(alert.source).toBe('k8s_audit');
      expect(alert.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/);
      expect(alert.output).toMatch(new RegExp(`^\\d{2}:\\d{2}:\\d{2}\\.\\d{9}: ${alert.priority} `));
    }
  });

  if (c.load_divergence) {
    it('loads the list-field comparison Falco < 0.32 accepted, with a warning, and keeps the rule', () => {
      const { load } = run(c.rules, c.trace, c);
      expect(load.errors).toEqual([]);
      for (const divergence of c.load_divergence?.items ?? []) {
        expect(load.warnings.some((w) => w.code === 'LIST_FIELD_SCALAR_OPERATOR' && w.file === divergence.file && w.message.includes(divergence.field))).toBe(true);
      }
    });
  }
});

describe('the latest ruleset mapping (latest_ruleset in cases.json)', () => {
  const mapped = corpus.cases.filter((c) => c.latest_ruleset !== null);

  it('maps most cases', () => {
    expect(mapped.length).toBeGreaterThan(40);
  });

  describe.each(mapped.map((c) => [c.name, c] as const))('%s on the latest ruleset', (_name, c) => {
    const latest = c.latest_ruleset as LatestMapping;
    const overlayIssues = latest.appends_to_undefined_lists.length + latest.appends_not_referenced_by_latest_rules.length > 0;

    it('loads with errors only for appends to lists the latest ruleset no longer defines', () => {
      const { load } = run(latest.rules, c.trace, c);
      const appendErrors = load.errors.filter((e) => e.code === 'APPEND_TO_UNDEFINED');
      expect(load.errors.filter((e) => e.code !== 'APPEND_TO_UNDEFINED')).toEqual([]);
      expect(appendErrors.map((e) => e.item?.name).sort()).toEqual([...latest.appends_to_undefined_lists].sort());
      for (const error of appendErrors) expect(error.position?.line).toBeGreaterThan(0);
      for (const name of latest.expected_rules_missing) expect(load.ruleset.rules.some((r) => r.name === name)).toBe(false);
      for (const name of Object.values(latest.renamed_to)) expect(load.ruleset.rules.some((r) => r.name === name)).toBe(true);
    });

    if (!overlayIssues) {
      it('detects what the test-era ruleset detects, under the renamed rules', () => {
        const { alerts } = run(latest.rules, c.trace, c);
        expectDetection(alerts, c, latest.renamed_to);
      });
    } else {
      it('with the falcosecurity/testing overlays (the same files rewritten for the latest list names) detects what the test-era ruleset detects', () => {
        const rewritten = latest.rules.map((path) => (path.startsWith('rules/k8s_audit/') && !path.includes('engine_v4') ? path.replace('rules/k8s_audit/', 'overlays/testing/') : path));
        const { alerts, load } = run(rewritten, c.trace, c);
        expect(load.errors.filter((e) => !e.file.includes('engine_v4'))).toEqual([]);
        if (!rewritten.some((path) => path.includes('engine_v4'))) expectDetection(alerts, c, latest.renamed_to);
      });
    }
  });
});

describe('the stock rulesets', () => {
  it('load falco_rules.yaml + k8s_audit_rules.latest.yaml with zero errors', () => {
    const load = loadRules(files(['rules/falco_rules.yaml', 'rules/k8s_audit_rules.latest.yaml']));
    expect(load.errors).toEqual([]);
    const audit = load.ruleset.rules.filter((r) => r.source === 'k8s_audit');
    expect(audit.length).toBeGreaterThanOrEqual(40);
    expect(load.ruleset.rules.filter((r) => r.source === 'syscall').length).toBeGreaterThan(50);
    expect(load.ruleset.rules.filter((r) => r.source !== 'k8s_audit').every((r) => !r.evaluated)).toBe(true);
  });

  it('load the test-era k8s_audit_rules.yaml next to falco_rules.yaml with zero errors', () => {
    const load = loadRules(files(['rules/falco_rules.yaml', 'rules/k8s_audit_rules.yaml']));
    expect(load.errors).toEqual([]);
  });

  it.each(['allow_namespace_foo', 'allow_nginx_container', 'allow_only_apache_container', 'allow_user_some-user', 'disallow_kactivity', 'trust_nginx_container'])(
    'load the falcosecurity/testing overlay %s after the latest ruleset without errors',
    (overlay) => {
      const load = loadRules(files(['rules/falco_rules.yaml', 'rules/k8s_audit_rules.latest.yaml', `overlays/testing/${overlay}.yaml`]));
      expect(load.errors).toEqual([]);
    },
  );
});
