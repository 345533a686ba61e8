import { describe, expect, it } from 'vitest';
import { loadRules } from '../load';

const load = (text: string) => loadRules([{ name: 'f.yaml', text }]);

describe('compiling the collection', () => {
  it('warns about lists and macros nothing refers to', () => {
    const { warnings, errors } = load('- list: unused\n  items: [a]\n- list: used\n  items: [b]\n- list: outer\n  items: [used]\n- macro: lonely\n  condition: ka.verb in (outer)\n');
    expect(errors).toEqual([]);
    expect(warnings.map((w) => [w.code, w.item?.name])).toEqual([
      ['UNUSED_MACRO', 'lonely'],
      ['UNUSED_LIST', 'unused'],
    ]);
  });

  it('keeps rules of other sources without checking their fields; their problems are warnings', () => {
    const { errors, warnings, ruleset } = load(
      '- macro: shell\n  condition: proc.name in (bash, sh)\n- rule: s\n  desc: d\n  condition: shell and evt.type = execve and nomacro\n  output: o\n  priority: ERROR\n- rule: t\n  desc: d\n  condition: tolower(proc.name) = x and (\n  output: o\n  priority: ERROR\n  source: aws_cloudtrail\n',
    );
    expect(errors).toEqual([]);
    expect(warnings.map((w) => w.code)).toEqual(['UNKNOWN_SOURCE', 'NON_AUDIT_SOURCE', 'NON_AUDIT_SOURCE']);
    expect(ruleset.rules.map((r) => [r.name, r.evaluated])).toEqual([
      ['s', false],
      ['t', false],
    ]);
  });

  it('reports a macro that does not parse as an error only when a k8s_audit rule uses it', () => {
    const broken = '- macro: broken\n  condition: ka.verb = (\n';
    expect(load(broken).warnings.map((w) => w.code)).toEqual(['NON_AUDIT_SOURCE', 'UNUSED_MACRO']);
    const used = load(`${broken}- rule: r\n  desc: d\n  condition: broken\n  output: o\n  priority: INFO\n  source: k8s_audit\n`);
    expect(used.errors.map((e) => [e.code, e.item?.type])).toEqual([
      ['INVALID_MACRO', 'rule'],
      ['UNEXPECTED_TOKEN', 'macro'],
    ]);
  });

  it('reports unknown output fields, or skips the rule with skip-if-unknown-filter', () => {
    const rule = (extra: string) => `- rule: r\n  desc: d\n  condition: ka.verb = get\n  output: "x=%ka.nothing"\n  priority: INFO\n  source: k8s_audit\n${extra}`;
    expect(load(rule('')).errors.map((e) => [e.code, e.position?.offset])).toEqual([['INVALID_OUTPUT', 2]]);
    const skipped = load(rule('  skip-if-unknown-filter: true\n'));
    expect([skipped.errors, skipped.warnings.map((w) => w.code)]).toEqual([[], ['SKIPPED_UNKNOWN_FILTER']]);
    const unknownField = load('- rule: r\n  desc: d\n  condition: ka.nothing = 1\n  output: o\n  priority: INFO\n  source: k8s_audit\n  skip-if-unknown-filter: true\n');
    expect([unknownField.errors, unknownField.warnings.map((w) => w.code), unknownField.ruleset.rules]).toEqual([[], ['SKIPPED_UNKNOWN_FILTER'], []]);
  });

  it('expands lists named in lists, but only lists defined before', () => {
    const text = '- list: a\n  items: [x]\n- list: b\n  items: [a, y, c]\n- list: c\n  items: [z]\n- rule: r\n  desc: d\n  condition: ka.verb in (b)\n  output: o\n  priority: INFO\n  source: k8s_audit\n';
    const { ruleset, errors } = load(text);
    expect(errors).toEqual([]);
    const hit = (verb: string) => ruleset.evaluate({ kind: 'Event', auditID: '1', verb, stageTimestamp: '2024-01-01T00:00:00Z' }).length;
    expect([hit('x'), hit('y'), hit('c'), hit('z')]).toEqual([1, 1, 1, 0]);
  });
});
