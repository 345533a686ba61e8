import { describe, expect, it } from 'vitest';
import { EXAMPLE_RULES, ruleNamesIn } from './rules-text';

describe('ruleNamesIn', () => {
  it('finds the example rule', () => {
    expect([...ruleNamesIn(EXAMPLE_RULES)]).toEqual(['Deployment scaled by hand']);
  });

  it('reads plain, quoted and commented names, and ignores lists and macros', () => {
    const text = [
      '- list: allowed',
      '  items: [a]',
      '- macro: kevt',
      '  condition: (jevt.value[/stage] in (ResponseComplete))',
      '- rule: Plain name',
      '  condition: kevt',
      '-   rule:   Spaced name   # a comment',
      "- rule: 'It''s quoted'",
      '- rule: "Double # not a comment"',
      '  - rule: Indented',
    ].join('\n');
    expect([...ruleNamesIn(text)]).toEqual(['Plain name', 'Spaced name', "It's quoted", 'Double # not a comment', 'Indented']);
  });

  it('finds nothing in an empty or rule-less text', () => {
    expect(ruleNamesIn('').size).toBe(0);
    expect(ruleNamesIn('- macro: x\n  condition: y\n').size).toBe(0);
  });
});
