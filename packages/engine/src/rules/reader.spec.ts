import { describe, expect, it } from 'vitest';
import { loadRules } from '../load';

const load = (text: string) => loadRules([{ name: 'f.yaml', text }]);
const codes = (text: string) => {
  const result = load(text);
  return { errors: result.errors.map((e) => e.code), warnings: result.warnings.map((w) => w.code), result };
};

const RULE = (name: string, condition = 'ka.verb = get', extra = ''): string =>
  `- rule: ${name}\n  desc: d\n  condition: ${condition}\n  output: "o %ka.verb"\n  priority: INFO\n  source: k8s_audit\n${extra}`;

const EVENT = (verb: string, user = 'alice') => ({ kind: 'Event', auditID: '1', verb, user: { username: user }, stageTimestamp: '2024-01-01T00:00:00Z' });

describe('reading rules files', () => {
  it('checks required_engine_version (integer or semver) against this engine', () => {
    expect(codes('- required_engine_version: 15\n').errors).toEqual([]);
    expect(codes('- required_engine_version: 0.31.0\n').errors).toEqual([]);
    expect(codes('- required_engine_version: 9999\n').errors).toEqual(['ENGINE_VERSION_TOO_OLD']);
    expect(codes('- required_engine_version: banana\n').errors).toEqual(['INVALID_VERSION']);
  });

  it('accepts required_plugin_versions and warns for what it does not implement', () => {
    const ok = '- required_plugin_versions:\n  - name: k8saudit\n    version: 0.7.0\n    alternatives:\n      - name: k8saudit-eks\n        version: 0.2.0\n  - name: json\n    version: 0.7.0\n';
    expect(codes(ok)).toMatchObject({ errors: [], warnings: [] });
    const { warnings } = codes('- required_plugin_versions:\n  - name: cloudtrail\n    version: 0.1.0\n  - name: k8saudit\n    version: 1.0.0\n');
    expect(warnings).toEqual(['PLUGIN_VERSION', 'PLUGIN_VERSION']);
    expect(codes('- required_plugin_versions: nope\n').errors).toEqual(['INVALID_KEY_VALUE']);
  });

  it('warns for unknown top-level items and reports non-mapping items', () => {
    expect(codes('- something: else\n')).toMatchObject({ errors: [], warnings: ['UNKNOWN_ITEM'] });
    expect(codes('- just a string\n').errors).toEqual(['INVALID_ITEM']);
  });

  it('validates list and macro names as Falco does', () => {
    expect(codes('- list: "bad name"\n  items: []\n').errors).toEqual(['INVALID_NAME']);
    expect(codes('- macro: bad-name\n  condition: ka.verb = get\n').errors).toEqual(['INVALID_NAME']);
    expect(codes('- list: ok\n  items: not-a-list\n').errors).toEqual(['INVALID_KEY_VALUE']);
    expect(codes('- macro: m\n').errors).toEqual(['MISSING_KEY']);
  });

  it('needs desc, output and priority on a rule definition, and a valid priority', () => {
    expect(codes('- rule: r\n  condition: ka.verb = get\n  output: o\n  priority: INFO\n').errors).toEqual(['MISSING_KEY']);
    expect(codes(RULE('r').replace('priority: INFO', 'priority: LOUD')).errors).toEqual(['INVALID_PRIORITY']);
    expect(codes(RULE('r').replace('priority: INFO', 'priority: info')).errors).toEqual([]);
    expect(codes(`${RULE('r')}  enabled: maybe\n`).errors).toEqual(['INVALID_KEY_VALUE']);
  });

  it('appends to lists, macros and rules (append: true), in order', () => {
    const text = `- list: verbs\n  items: [get]\n- macro: m\n  condition: ka.verb in (verbs)\n${RULE('r', 'm')}- list: verbs\n  items: [list]\n  append: true\n- rule: r\n  condition: and ka.user.name = alice\n  append: true\n`;
    const { errors, result } = codes(text);
    expect(errors).toEqual([]);
    expect(result.ruleset.evaluate(EVENT('list')).map((a) => a.rule)).toEqual(['r']);
    expect(result.ruleset.evaluate(EVENT('list', 'bob'))).toEqual([]);
    expect(result.ruleset.rules[0]?.condition).toBe('m and ka.user.name = alice');
  });

  it('reports appends to nothing, for lists, macros and rules', () => {
    expect(codes('- macro: m\n  condition: or x\n  append: true\n').errors).toEqual(['APPEND_TO_UNDEFINED']);
    expect(codes('- rule: r\n  condition: and x\n  append: true\n').errors).toEqual(['APPEND_TO_UNDEFINED']);
    expect(codes('- rule: r\n  enabled: false\n').errors).toEqual(['APPEND_TO_UNDEFINED']);
  });

  it('applies override: append and replace per key', () => {
    const text = `${RULE('r')}- rule: r\n  condition: or ka.verb = list\n  output: "(overridden)"\n  priority: ERROR\n  override:\n    condition: append\n    output: append\n    priority: replace\n`;
    const { errors, result } = codes(text);
    expect(errors).toEqual([]);
    const [alert] = result.ruleset.evaluate(EVENT('list'));
    expect(alert).toMatchObject({ priority: 'Error', output: expect.stringContaining('o list (overridden)') as string });
    const replaced = codes(`${RULE('r')}- rule: r\n  condition: ka.verb = delete\n  override:\n    condition: replace\n`).result;
    expect(replaced.ruleset.evaluate(EVENT('get'))).toEqual([]);
    expect(replaced.ruleset.evaluate(EVENT('delete'))).toHaveLength(1);
  });

  it('switches a rule on or off with enabled alone, or override enabled: replace', () => {
    const off = codes(`${RULE('r')}- rule: r\n  enabled: false\n`);
    expect(off.errors).toEqual([]);
    expect(off.result.ruleset.rules[0]?.enabled).toBe(false);
    const on = codes(`${RULE('r')}  enabled: false\n- rule: r\n  enabled: true\n  override:\n    enabled: replace\n`);
    expect(on.result.ruleset.rules[0]?.enabled).toBe(true);
  });

  it('rejects override mistakes', () => {
    expect(codes(`${RULE('r')}- rule: r\n  priority: ERROR\n  override:\n    priority: append\n`).errors).toEqual(['INVALID_OVERRIDE']);
    expect(codes(`${RULE('r')}- rule: r\n  condition: x\n  override:\n    condition: merge\n`).errors).toEqual(['INVALID_OVERRIDE']);
    expect(codes(`${RULE('r')}- rule: r\n  condition: x\n  output: y\n  override:\n    condition: append\n`).errors).toEqual(['INVALID_OVERRIDE']);
    expect(codes(`${RULE('r')}- rule: r\n  override:\n    condition: append\n`).errors).toEqual(['INVALID_OVERRIDE']);
    expect(codes('- list: l\n  items: []\n- list: l\n  items: [a]\n  append: true\n  override:\n    items: append\n').errors).toEqual(['INVALID_OVERRIDE']);
  });

  it('replaces a redefined rule in place, with a warning; a changed source is an error', () => {
    const { errors, warnings, result } = codes(`${RULE('a')}${RULE('b')}${RULE('a', 'ka.verb = list')}`);
    expect(errors).toEqual([]);
    expect(warnings).toEqual(['DUPLICATE_RULE']);
    expect(result.ruleset.rules.map((r) => r.name)).toEqual(['a', 'b']);
    expect(result.ruleset.evaluate(EVENT('list'), { ruleMatching: 'all' }).map((x) => x.rule)).toEqual(['a']);
    expect(codes(`${RULE('a')}- rule: a\n  desc: d\n  condition: x\n  output: o\n  priority: INFO\n`).errors).toEqual(['RULE_SOURCE_CHANGED']);
  });

  it('reads exceptions and appended exception values', () => {
    const text = `${RULE(
      'r',
      'ka.verb = get',
      `  exceptions:\n    - name: trusted\n      fields: [ka.user.name, ka.target.namespace]\n      comps: [=, in]\n      values:\n        - [bob, [kube-system, "my ns"]]\n    - name: users\n      fields: ka.user.name\n      values: [carol]\n`,
    )}- rule: r\n  exceptions:\n    - name: users\n      values: [dave]\n  append: true\n`;
    const { errors, result } = codes(text);
    expect(errors).toEqual([]);
    const event = (user: string, ns: string) => ({ ...EVENT('get', user), objectRef: { namespace: ns } });
    expect(result.ruleset.evaluate(event('bob', 'kube-system'))).toEqual([]);
    expect(result.ruleset.evaluate(event('bob', 'my ns'))).toEqual([]);
    expect(result.ruleset.evaluate(event('bob', 'default'))).toHaveLength(1);
    expect(result.ruleset.evaluate(event('carol', 'default'))).toEqual([]);
    expect(result.ruleset.evaluate(event('dave', 'default'))).toEqual([]);
    expect(result.ruleset.evaluate(event('erin', 'default'))).toHaveLength(1);
  });

  it('reports malformed exceptions', () => {
    const bad = (exceptions: string) => codes(RULE('r', 'ka.verb = get', `  exceptions:\n${exceptions}`)).errors;
    expect(bad('    - name: e\n      fields: [ka.user.name]\n      comps: [=, =]\n      values: []\n')).toEqual(['INVALID_EXCEPTION']);
    expect(bad('    - name: e\n      fields: ka.user.name\n      comps: "="\n      values: []\n')).toEqual(['INVALID_EXCEPTION']);
    expect(bad('    - name: e\n      fields: [ka.nope]\n      values: []\n')).toEqual(['INVALID_EXCEPTION']);
    expect(bad('    - name: e\n      fields: [ka.user.name]\n      comps: [like]\n      values: []\n')).toEqual(['INVALID_EXCEPTION']);
    expect(bad('    - name: e\n      values: []\n')).toEqual(['INVALID_EXCEPTION']);
    expect(bad('    - name: e\n      fields: [ka.user.name]\n      values: [[a, b]]\n')).toEqual(['INVALID_EXCEPTION']);
    expect(bad('    - name: e\n      fields: [ka.user.name]\n    - name: e\n      fields: [ka.verb]\n')).toEqual(['INVALID_EXCEPTION']);
  });

  it('skips null items and empty documents, reads several documents', () => {
    expect(codes('---\n---\n- ~\n').errors).toEqual([]);
    const two = codes(`${RULE('a')}---\n${RULE('b')}`);
    expect(two.result.ruleset.rules.map((r) => r.name)).toEqual(['a', 'b']);
  });
});
