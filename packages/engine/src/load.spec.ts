import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RuleIssue } from './errors';
import { loadRules } from './load';

/** One k8s_audit rule around `condition`, as a rules file. */
function ruleFile(condition: string, extra = ''): string {
  return `${extra}
- rule: r
  desc: a rule
  condition: ${JSON.stringify(condition)}
  output: "user=%ka.user.name"
  priority: WARNING
  source: k8s_audit
`;
}

function load(text: string, name = 'rules.yaml'): ReturnType<typeof loadRules> {
  return loadRules([{ name, text }]);
}

function only(issues: readonly RuleIssue[]): RuleIssue {
  expect(issues).toHaveLength(1);
  return issues[0] as RuleIssue;
}

/** Finishes well within a test timeout: proves "never a hang". */
function timed<T>(run: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = run();
  return { value, ms: performance.now() - start };
}

describe('bad input: a coded error with a position, never an exception, never a hang', () => {
  it('an unterminated string', () => {
    const result = load(ruleFile('ka.user.name = "admin'));
    const error = only(result.errors);
    expect(error).toMatchObject({ code: 'UNTERMINATED_STRING', file: 'rules.yaml', item: { type: 'rule', name: 'r' } });
    expect(error.position).toMatchObject({ line: 4, column: 30, offset: 15, length: 6 });
    expect(result.ruleset.rules).toEqual([]);
  });

  it('unbalanced parentheses: one never closed, one closing nothing', () => {
    const open = only(load(ruleFile('(ka.user.name = admin and (ka.verb = get)')).errors);
    expect(open).toMatchObject({ code: 'UNBALANCED_PARENTHESES', position: { offset: 0, length: 1 } });
    const close = only(load(ruleFile('ka.user.name = admin)')).errors);
    expect(close).toMatchObject({ code: 'UNBALANCED_PARENTHESES', position: { offset: 20, length: 1 } });
  });

  it('an unknown operator', () => {
    const error = only(load(ruleFile('ka.user.name equals admin')).errors);
    expect(error).toMatchObject({ code: 'UNKNOWN_OPERATOR', position: { offset: 13, length: 6 } });
    expect(error.message).toContain("'equals' is not an operator");
  });

  it('`and` with nothing after it', () => {
    const error = only(load(ruleFile('ka.user.name = admin and')).errors);
    expect(error).toMatchObject({ code: 'UNEXPECTED_END', position: { offset: 24 } });
    const spaced = only(load(ruleFile('ka.user.name = admin and   ')).errors);
    expect(spaced.code).toBe('UNEXPECTED_END');
  });

  it('100 000 nested parentheses', () => {
    const deep = `${'('.repeat(100_000)}ka.verb = get${')'.repeat(100_000)}`;
    const { value, ms } = timed(() => load(ruleFile(deep)));
    const error = only(value.errors);
    expect(error.code).toBe('DEPTH_LIMIT');
    expect(error.position?.offset).toBeGreaterThan(0);
    expect(ms).toBeLessThan(5000);
  });

  it('a 10 MB condition', () => {
    const huge = `ka.user.name in (${Array.from({ length: 1_300_000 }, (_, i) => `user${i}`).join(',')})`;
    expect(huge.length).toBeGreaterThan(10_000_000);
    const { value, ms } = timed(() => load(ruleFile(huge)));
    const error = only(value.errors);
    expect(error).toMatchObject({ code: 'SIZE_LIMIT', position: { line: 4, offset: 0 } });
    expect(ms).toBeLessThan(10_000);
  });

  it('a 10 MB condition is accepted when the limit is raised, in linear time', () => {
    const huge = `ka.user.name in (${Array.from({ length: 1_000_000 }, (_, i) => `u${i}`).join(',')})`;
    const { value, ms } = timed(() => loadRules([{ name: 'big.yaml', text: ruleFile(huge) }], { maxConditionLength: 20_000_000 }));
    expect(value.errors).toEqual([]);
    expect(value.ruleset.evaluate(event({ user: { username: 'u999999' } }))).toHaveLength(1);
    expect(ms).toBeLessThan(20_000);
  });

  it('YAML that is not a list', () => {
    const error = only(load('rule: r\ncondition: ka.verb = get\n').errors);
    expect(error).toMatchObject({ code: 'RULES_NOT_A_LIST', item: { type: 'file' }, position: { line: 1, column: 1 } });
  });

  it('YAML that does not parse', () => {
    const error = only(load('- rule: r\n  desc: [unclosed\n').errors);
    expect(error.code).toBe('YAML_PARSE_ERROR');
    expect(error.position?.line).toBeGreaterThan(0);
  });

  it('a rule without condition', () => {
    const result = load('- rule: r\n  desc: d\n  output: o\n  priority: INFO\n  source: k8s_audit\n');
    expect(only(result.errors)).toMatchObject({ code: 'MISSING_KEY', item: { type: 'rule', name: 'r' }, position: { line: 1, column: 3 } });
    expect(result.ruleset.rules).toEqual([]);
  });

  it('a macro that references itself (cycle)', () => {
    // a → b → a: possible only through a redefinition, since a macro sees earlier macros only.
    const mutual = `
- macro: a
  condition: ka.verb = get
- macro: b
  condition: ka.verb = list and a
- macro: a
  condition: ka.verb = get or b
${ruleFile('a').trim()}
`;
    const cycle = only(load(mutual).errors);
    expect(cycle).toMatchObject({ code: 'MACRO_CYCLE', position: { line: 5, offset: 19, length: 1 } });
    expect(cycle.message).toContain('a → b → a');
    const selfText = `
- macro: loop
  condition: ka.verb = get
- macro: loop
  condition: ka.verb = list or loop
${ruleFile('loop').trim()}
`;
    const self = only(load(selfText).errors);
    expect(self).toMatchObject({ code: 'MACRO_CYCLE', file: 'rules.yaml', position: { line: 5, column: 32, offset: 18, length: 4 } });
    expect(self.message).toContain('loop → loop');
  });

  it('a list that appends to nothing', () => {
    const result = load(`
- list: nothing_here
  items: [a, b]
  append: true
${ruleFile('ka.verb = get').trim()}
`);
    expect(only(result.errors)).toMatchObject({ code: 'APPEND_TO_UNDEFINED', item: { type: 'list', name: 'nothing_here' }, position: { line: 2, column: 3 } });
    expect(result.ruleset.rules.map((r) => r.name)).toEqual(['r']);
  });
});

describe('loading keeps going', () => {
  it('reports every bad rule and keeps every good one', () => {
    const text = [ruleFile('ka.verb = get'), ruleFile('ka.verb = ').replace('rule: r', 'rule: broken'), ruleFile('ka.nope = 1').replace('rule: r', 'rule: unknown')].join('\n');
    const result = load(text);
    expect(result.errors.map((e) => [e.code, e.item?.name])).toEqual([
      ['UNEXPECTED_END', 'broken'],
      ['UNKNOWN_FIELD', 'unknown'],
    ]);
    expect(result.ruleset.rules.map((r) => r.name)).toEqual(['r']);
  });

  it('reads several files into one collection, in order', () => {
    const base = { name: 'base.yaml', text: `- list: users\n  items: [alice]\n${ruleFile('ka.user.name in (users)').trim()}\n` };
    const extra = { name: 'extra.yaml', text: '- list: users\n  items: [bob]\n  append: true\n' };
    const { ruleset, errors } = loadRules([base, extra]);
    expect(errors).toEqual([]);
    expect(ruleset.evaluate(event({ user: { username: 'bob' } }))).toHaveLength(1);
    expect(ruleset.evaluate(event({ user: { username: 'carol' } }))).toHaveLength(0);
  });
});

function event(overrides: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: 'x', stage: 'ResponseComplete', verb: 'get', stageTimestamp: '2024-01-02T03:04:05.123456Z', ...overrides };
}

const tokens = [
  'ka.user.name',
  'ka.verb',
  'jevt.value[/stage]',
  'ka.req.pod.containers.image',
  'ka.uri.param[x]',
  'and',
  'or',
  'not',
  '(',
  ')',
  '=',
  '!=',
  'in',
  'contains',
  'startswith',
  'exists',
  'regex',
  'glob',
  '<',
  '>=',
  '"quoted"',
  "'single'",
  '"unterminated',
  ',',
  'value',
  'kevt',
  '[',
  ']',
  'val(',
  'tolower(',
  '\\',
  '"\\q"',
  '0x1f',
  '-12.5e+3',
  'pmatch',
  'intersects',
];

describe('property: no condition makes loadRules throw', () => {
  it('for random token soups', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...tokens), { maxLength: 30 }), fc.array(fc.constantFrom(' ', '', '\n'), { maxLength: 30 }), (parts, gaps) => {
        const condition = parts.map((part, i) => part + (gaps[i] ?? ' ')).join('');
        const result = loadRules([{ name: 'p.yaml', text: `- macro: kevt\n  condition: ka.verb = get\n${ruleFile(condition).trim()}\n` }]);
        for (const issue of [...result.errors, ...result.warnings]) {
          expect(typeof issue.code).toBe('string');
          expect(issue.file).toBe('p.yaml');
        }
        // A rule either loaded (and evaluates without throwing) or has exactly one error.
        if (result.ruleset.rules.length === 0) expect(result.errors.length).toBeGreaterThan(0);
        else result.ruleset.evaluate(event({}));
      }),
      { numRuns: 400 },
    );
  });

  it('for arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (condition) => {
        const result = loadRules([{ name: 'p.yaml', text: ruleFile(condition) }]);
        expect(Array.isArray(result.errors)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('for arbitrary rules-file text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const result = loadRules([{ name: 'p.yaml', text }]);
        expect(Array.isArray(result.warnings)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
