import { describe, expect, it } from 'vitest';
import { plural, ruleLocation } from './format';

describe('rules formatting', () => {
  it('writes a rule’s place as base name and line, the full path kept for the tooltip', () => {
    expect(ruleLocation('/etc/peregrine/rules/k8s_audit_rules.yaml', 123)).toEqual({ short: 'k8s_audit_rules.yaml:123', full: '/etc/peregrine/rules/k8s_audit_rules.yaml:123' });
    expect(ruleLocation('C:\\rules\\custom.yaml', 4)).toEqual({ short: 'custom.yaml:4', full: 'C:\\rules\\custom.yaml:4' });
    expect(ruleLocation('inline.yaml', 1).short).toBe('inline.yaml:1');
    // A path ending in a separator has no base name: the whole of it is shown rather than nothing.
    expect(ruleLocation('/odd/', 2).short).toBe('/odd/:2');
  });

  it('counts with the right plural', () => {
    expect(plural(1, 'rule')).toBe('1 rule');
    expect(plural(0, 'rule')).toBe('0 rules');
  });
});
