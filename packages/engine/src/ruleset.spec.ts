import { describe, expect, it } from 'vitest';
import { loadRules } from './load';

const RULES = `
- macro: kevt
  condition: jevt.value[/stage] in (ResponseComplete)
- rule: Any create
  desc: every create
  condition: kevt and ka.verb = create
  output: create by %ka.user.name (ns=%ka.target.namespace)
  priority: NOTICE
  source: k8s_audit
  tags: [k8s, b_tag, a_tag]
- rule: Create in default
  desc: creates in default
  condition: kevt and ka.verb = create and ka.target.namespace = default
  output: create in default
  priority: CRITICAL
  source: k8s_audit
  tags: [noisy]
- rule: Syscall rule
  desc: never evaluated here
  condition: evt.type = open
  output: x
  priority: ERROR
- rule: Off by default
  desc: disabled
  condition: kevt
  output: x
  priority: DEBUG
  source: k8s_audit
  enabled: false
`;

const EVENT = { kind: 'Event', auditID: '1', stage: 'ResponseComplete', verb: 'create', user: { username: 'alice' }, objectRef: { namespace: 'default' }, stageTimestamp: '2024-02-03T04:05:06.7Z' };

describe('a ruleset', () => {
  const { ruleset, errors } = loadRules([{ name: 'r.yaml', text: RULES }]);

  it('lists every rule, evaluates only enabled k8s_audit rules', () => {
    expect(errors).toEqual([]);
    expect(ruleset.rules.map((r) => [r.name, r.source, r.enabled, r.evaluated])).toEqual([
      ['Any create', 'k8s_audit', true, true],
      ['Create in default', 'k8s_audit', true, true],
      ['Syscall rule', 'syscall', true, false],
      ['Off by default', 'k8s_audit', false, true],
    ]);
    expect(ruleset.rules[0]).toMatchObject({ file: 'r.yaml', line: 4, tags: ['a_tag', 'b_tag', 'k8s'], priority: 'Notice' });
    expect(ruleset.evaluatedRules.map((r) => r.name)).toEqual(['Any create', 'Create in default']);
  });

  it('builds Falco JSON alerts', () => {
    expect(ruleset.evaluate(EVENT, { hostname: 'node-1' })).toEqual([
      {
        time: '2024-02-03T04:05:06.700000000Z',
        rule: 'Any create',
        priority: 'Notice',
        source: 'k8s_audit',
        output: '04:05:06.700000000: Notice create by alice (ns=default)',
        output_fields: { 'ka.user.name': 'alice', 'ka.target.namespace': 'default' },
        tags: ['a_tag', 'b_tag', 'k8s'],
        hostname: 'node-1',
      },
    ]);
  });

  it('stops at the first matching rule in load order, or gives every match', () => {
    expect(ruleset.evaluate(EVENT).map((a) => a.rule)).toEqual(['Any create']);
    expect(ruleset.evaluate(EVENT, { ruleMatching: 'all' }).map((a) => a.rule)).toEqual(['Any create', 'Create in default']);
  });

  it('skips rules below the minimum priority before matching (they shadow nothing)', () => {
    expect(ruleset.evaluate(EVENT, { minPriority: 'Warning' }).map((a) => a.rule)).toEqual(['Create in default']);
    expect(ruleset.evaluate(EVENT, { minPriority: 'Emergency' })).toEqual([]);
  });

  it('returns nothing for what is not an audit event, and counts it', () => {
    const before = ruleset.stats.notEvents;
    expect(ruleset.evaluate({ kind: 'Event' })).toEqual([]);
    expect(ruleset.evaluate('nope')).toEqual([]);
    expect(ruleset.stats.notEvents).toBe(before + 2);
  });

  it('honours load options: disabled tags and names, forced enables, run tags', () => {
    const byTag = loadRules([{ name: 'r.yaml', text: RULES }], { disabledTags: ['k8s'] }).ruleset;
    expect(byTag.evaluate(EVENT).map((a) => a.rule)).toEqual(['Create in default']);
    const byName = loadRules([{ name: 'r.yaml', text: RULES }], { disabledRules: ['Any create', 'Create in default'], enabledRules: ['Off by default'] }).ruleset;
    expect(byName.evaluate(EVENT).map((a) => a.rule)).toEqual(['Off by default']);
    const bySubstring = loadRules([{ name: 'r.yaml', text: RULES }], { disabledRulesMatching: ['create'] }).ruleset;
    expect(bySubstring.evaluate(EVENT).map((a) => a.rule)).toEqual(['Create in default']);
    const onlyNoisy = loadRules([{ name: 'r.yaml', text: RULES }], { enabledTags: ['noisy'] }).ruleset;
    expect(onlyNoisy.evaluatedRules.map((r) => r.name)).toEqual(['Create in default']);
  });

  it('counts a rule that reaches a scalar comparison on a list field, and does not match it', () => {
    const { ruleset: lenient, warnings } = loadRules([
      { name: 'l.yaml', text: '- rule: L\n  desc: d\n  condition: ka.user.groups contains adm\n  output: o\n  priority: INFO\n  source: k8s_audit\n' },
    ]);
    expect(warnings.map((w) => w.code)).toEqual(['LIST_FIELD_SCALAR_OPERATOR']);
    expect(lenient.evaluate({ ...EVENT, user: { groups: ['admins'] } })).toEqual([]);
    expect(lenient.stats.evaluationErrors).toEqual({ L: 1 });
  });
});
