import { describe, expect, it } from 'vitest';
import type { RuleView } from './api/rules';
import { filterRules } from './rule-filter';

const rule = (name: string, extra: Partial<RuleView> = {}): RuleView => ({
  name,
  description: '',
  source: 'k8s_audit',
  priority: 'Warning',
  tags: ['k8s'],
  enabled: true,
  evaluated: true,
  condition: 'kevt',
  output: '',
  file: 'rules/k8s_audit_rules.yaml',
  line: 1,
  matches: 0,
  ...extra,
});

describe('filterRules', () => {
  const rules = [
    rule('Create Privileged Pod', { tags: ['k8s', 'mitre_privilege_escalation'] }),
    rule('Disallowed K8s User', { condition: 'kevt and non_system_user' }),
    rule('Terminal shell in container', { source: 'syscall', priority: 'Notice', file: '/etc/peregrine/rules.d/mine.yaml', evaluated: false }),
  ];
  const names = (query: string): string[] => filterRules(rules, query).map((r) => r.name);

  it('keeps every rule, in order, for an empty query', () => {
    expect(names('')).toEqual(['Create Privileged Pod', 'Disallowed K8s User', 'Terminal shell in container']);
    expect(names('   ')).toHaveLength(3);
  });

  it('matches name, tags, source, priority, file and condition, ignoring case', () => {
    expect(names('privileged')).toEqual(['Create Privileged Pod']);
    expect(names('MITRE')).toEqual(['Create Privileged Pod']);
    expect(names('syscall')).toEqual(['Terminal shell in container']);
    expect(names('notice')).toEqual(['Terminal shell in container']);
    expect(names('rules.d')).toEqual(['Terminal shell in container']);
    expect(names('non_system_user')).toEqual(['Disallowed K8s User']);
  });

  it('needs every word', () => {
    expect(names('k8s warning')).toEqual(['Create Privileged Pod', 'Disallowed K8s User']);
    expect(names('k8s user')).toEqual(['Disallowed K8s User']);
    expect(names('pod syscall')).toEqual([]);
  });
});
