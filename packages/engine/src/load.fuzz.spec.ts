import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, type RuleIssue, WARNING_CODES } from './errors';
import { loadRules, type RulesFile } from './load';
import { PRIORITIES } from './priority';
import { rulesText } from './testing/rules-arbitrary';

/**
 * Issue #16, fuzzing `loadRules` (rule text is untrusted): generated rules files — lists,
 * macros and rules with append, override and exceptions, random conditions and outputs, broken
 * YAML — alone and on top of the shipped ruleset. Loading never throws, never hangs, and
 * reports only documented codes with positions inside the file; what loads evaluates real
 * audit events (mutated) without throwing. `FUZZ_RUNS` sets the count for a long run.
 */

const ROOT = join(__dirname, '../../..');
const SHIPPED: RulesFile = { name: 'k8s_audit_rules.yaml', text: readFileSync(join(ROOT, 'rules/k8s_audit_rules.yaml'), 'utf8') };
const TRACES = join(ROOT, 'fixtures/conformance/traces');
const EVENTS: unknown[] = readdirSync(TRACES)
  .flatMap((name) => readFileSync(join(TRACES, name), 'utf8').split('\n'))
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as unknown);

/** The engine cannot import the server's helper: the same rule (FUZZ_RUNS or the default). */
function runs(defaultRuns: number): number {
  const text = process.env['FUZZ_RUNS'];
  return text ? Number(text) : defaultRuns;
}

function parameters(defaultRuns: number): { numRuns: number; seed?: number; endOnFailure: true } {
  const seed = process.env['FUZZ_SEED'];
  return { numRuns: runs(defaultRuns), ...(seed ? { seed: Number(seed) } : {}), endOnFailure: true };
}

/** One load may take this long at most (the limits bound the work; the machine may be busy). */
const MAX_LOAD_MS = 10_000;
const RUNS = 250;
const KNOWN_CODES = new Set<string>([...Object.keys(ERROR_CODES), ...Object.keys(WARNING_CODES)]);

/** A trace event with a few values replaced by any JSON at any depth. */
const event: fc.Arbitrary<unknown> = fc.tuple(fc.constantFrom(...EVENTS), fc.array(fc.tuple(fc.array(fc.constantFrom('user', 'username', 'groups', 'objectRef', 'resource', 'namespace', 'verb', 'requestObject', 'spec', 'containers', '0', 'image', 'securityContext', 'privileged', 'annotations', 'stageTimestamp', 'requestURI', 'responseStatus', 'code', 'impersonatedUser'), { minLength: 1, maxLength: 5 }), fc.jsonValue({ maxDepth: 3 })), { maxLength: 4 })).map(([base, changes]) => {
  const copy = structuredClone(base) as Record<string, unknown>;
  for (const [path, value] of changes) {
    let node: unknown = copy;
    for (const key of path.slice(0, -1)) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    if (node !== null && typeof node === 'object') (node as Record<string, unknown>)[path[path.length - 1] as string] = value;
  }
  return copy;
});

function expectWellFormed(issues: readonly RuleIssue[], files: readonly RulesFile[]): void {
  for (const issue of issues) {
    expect(KNOWN_CODES, issue.code).toContain(issue.code);
    expect(typeof issue.message).toBe('string');
    const file = files.find((candidate) => candidate.name === issue.file);
    expect(file, `issue names a file that was loaded: ${issue.file}`).toBeDefined();
    if (issue.position && file) {
      const lines = file.text.split(/\r\n|\r|\n/).length;
      expect(issue.position.line).toBeGreaterThanOrEqual(1);
      expect(issue.position.line).toBeLessThanOrEqual(lines + 1);
      expect(issue.position.column).toBeGreaterThanOrEqual(1);
    }
  }
}

function loadAndEvaluate(files: readonly RulesFile[], events: readonly unknown[]): void {
  const started = performance.now();
  const result = loadRules(files);
  expect(performance.now() - started).toBeLessThan(MAX_LOAD_MS);
  expectWellFormed([...result.errors, ...result.warnings], files);
  for (const item of events) {
    for (const alert of result.ruleset.evaluate(item, { ruleMatching: 'all' })) {
      expect(PRIORITIES).toContain(alert.priority);
      expect(typeof alert.output).toBe('string');
      expect(typeof alert.rule).toBe('string');
    }
  }
}

describe('fuzzing loadRules (issue #16)', () => {
  it('generated rules files load without throwing or hanging, with documented codes and positions, and evaluate events', () => {
    fc.assert(
      fc.property(fc.array(rulesText, { minLength: 1, maxLength: 3 }), fc.array(event, { maxLength: 3 }), (texts, events) => {
        loadAndEvaluate(texts.map((text, index) => ({ name: `f${index}.yaml`, text })), events);
      }),
      parameters(RUNS),
    );
  }, Math.max(30_000, runs(RUNS) * 100));

  it('generated overlays on the shipped ruleset (append, override, exceptions on real rules) load and evaluate', () => {
    fc.assert(
      fc.property(rulesText, fc.array(event, { maxLength: 2 }), (text, events) => {
        loadAndEvaluate([SHIPPED, { name: 'overlay.yaml', text }], events);
      }),
      parameters(Math.round(RUNS / 5)),
    );
  }, Math.max(30_000, runs(RUNS / 5) * 300));
});
