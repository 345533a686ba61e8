import { describe, expect, it } from 'vitest';
import { compileAlertCondition, type RoutableAlert } from './alert-condition';

const auditAlert: RoutableAlert = {
  rule: 'Create Privileged Pod',
  priority: 'Warning',
  source: 'k8s_audit',
  hostname: 'prod-eu',
  cluster: 'prod-eu',
  output: 'Pod started with privileged container (user=alice ns=prod-payments)',
  tags: ['k8s', 'mitre_privilege_escalation'],
  output_fields: { 'ka.target.namespace': 'prod-payments', 'ka.user.name': 'alice', 'evt.time': 1700000000000000000n.toString(), 'k8s.pod.name': null, 'proc.pid': 42 },
};

function matches(condition: string, alert: RoutableAlert = auditAlert): boolean {
  const result = compileAlertCondition(condition);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.condition.matches(alert);
}

function errorOf(condition: string): { code: string; message: string; at: string } {
  const result = compileAlertCondition(condition);
  if (result.ok) throw new Error(`expected '${condition}' to be refused`);
  return { code: result.error.code, message: result.error.message, at: condition.slice(result.error.start, result.error.end) };
}

describe('routing conditions over alerts', () => {
  it('routes the issue example: k8s_audit alerts of prod* namespaces at Warning or above', () => {
    const onCall = 'source = k8s_audit and ka.target.namespace glob "prod*" and priority >= Warning';
    expect(matches(onCall)).toBe(true);
    expect(matches(onCall, { ...auditAlert, priority: 'Notice' })).toBe(false);
    expect(matches(onCall, { ...auditAlert, output_fields: { 'ka.target.namespace': 'staging' } })).toBe(false);
    expect(matches(onCall, { ...auditAlert, source: 'syscall' })).toBe(false);
  });

  it('compares priorities by severity and by name, case-insensitively, including info', () => {
    expect(matches('priority > notice')).toBe(true);
    expect(matches('priority < Error')).toBe(true);
    expect(matches('priority = WARNING')).toBe(true);
    expect(matches('priority in (Error, Critical)')).toBe(false);
    expect(matches('priority >= info', { ...auditAlert, priority: 'Informational' })).toBe(true);
  });

  it('reads rule, hostname, cluster, output and tags', () => {
    expect(matches('rule startswith "Create Priv"')).toBe(true);
    expect(matches('hostname = prod-eu and cluster in (prod-eu, prod-us)')).toBe(true);
    expect(matches('output icontains "PRIVILEGED"')).toBe(true);
    expect(matches('tags intersects (mitre_privilege_escalation, other)')).toBe(true);
    expect(matches('tags in (k8s)')).toBe(false);
    expect(matches('not tags exists', { ...auditAlert, tags: [] })).toBe(true);
  });

  it('reads any output field; a null or missing one is absent, numbers compare as text', () => {
    expect(matches('ka.user.name = alice')).toBe(true);
    expect(matches('k8s.pod.name exists')).toBe(false);
    expect(matches('k8s.ns.name exists')).toBe(false);
    expect(matches('proc.pid = 42')).toBe(true);
    expect(matches('output_fields[ka.user.name] = alice')).toBe(true);
    expect(matches('output_fields["evt.time"] startswith 17')).toBe(true);
    const exact = { toString: () => '1700000000000000001' };
    expect(matches('evt.time = 1700000000000000001', { ...auditAlert, output_fields: { 'evt.time': exact } })).toBe(true);
    expect(matches('ka.req.pod.volumes.hostpath = "[\\"/\\"]"', { ...auditAlert, output_fields: { 'ka.req.pod.volumes.hostpath': ['/'] } })).toBe(true);
    // Names of Object's members are output fields like any other: absent unless the alert has them.
    expect(matches('output_fields[constructor] exists')).toBe(false);
    expect(matches('output_fields[toString] exists')).toBe(false);
    expect(matches('output_fields[constructor] = x', { ...auditAlert, output_fields: JSON.parse('{"constructor":"x"}') as Record<string, string> })).toBe(true);
  });

  it('refuses bad conditions with a code and the offending span', () => {
    expect(errorOf('priority >= Severe')).toMatchObject({ code: 'INVALID_VALUE', at: 'Severe' });
    expect(errorOf('rul = x')).toMatchObject({ code: 'UNKNOWN_FIELD', at: 'rul' });
    expect(errorOf('source = k8s_audit and (')).toMatchObject({ code: 'UNEXPECTED_END' });
    expect(errorOf('rule = "unterminated')).toMatchObject({ code: 'UNTERMINATED_STRING' });
    expect(errorOf('tags = k8s')).toMatchObject({ code: 'OPERATOR_NOT_SUPPORTED', at: '=' });
    expect(errorOf('   ')).toMatchObject({ code: 'EMPTY_CONDITION' });
    expect(errorOf('rule regex "("')).toMatchObject({ code: 'INVALID_REGEX' });
  });

  it('leaves Falco rule conditions as they were: undotted words are still macros there', async () => {
    const { parseCondition } = await import('./condition/parser');
    const parsed = parseCondition('rule = x');
    expect(parsed.ok).toBe(false);
    const word = parseCondition('kevt and ka.verb >= create');
    expect(word.ok).toBe(false);
  });
});
