import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RuleIssue } from './errors';
import { DEFAULT_LOAD_LIMITS, loadRules, type LoadOptions } from './load';

/**
 * The limits of `loadRules` (rule text is untrusted), each with the input of issue #16 that used
 * to take the process down or hold its event loop: a coded error with a position, or an
 * evaluation error, in bounded time, never an exception.
 */

function rule(condition: string, name = 'r', source = 'k8s_audit'): string {
  return `- rule: ${name}\n  desc: d\n  condition: ${condition}\n  output: "user=%ka.user.name"\n  priority: WARNING\n  source: ${source}\n`;
}

function load(text: string, options: LoadOptions = {}): ReturnType<typeof loadRules> {
  return loadRules([{ name: 'rules.yaml', text }], options);
}

function codes(issues: readonly RuleIssue[]): string[] {
  return issues.map((issue) => issue.code);
}

/** Finishes well within the test timeout: proves "never a hang" (the machine may be busy, so the bounds are loose). */
function timed<T>(run: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = run();
  return { value, ms: performance.now() - start };
}

function event(username: string, verb = 'get'): Record<string, unknown> {
  return { kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: 'x', stage: 'ResponseComplete', verb, user: { username }, stageTimestamp: '2024-01-02T03:04:05.123456Z' };
}

/** `count` macros m0 … m{count-1}, each using the previous one. */
function macroChain(count: number): string {
  let text = '- macro: m0\n  condition: ka.verb = get\n';
  for (let i = 1; i < count; i++) text += `- macro: m${i}\n  condition: m${i - 1}\n`;
  return text;
}

describe('list expansion (maxListItems)', () => {
  // Issue #16, item 1: 213 KB posted to rules/test held the event loop ~200 s, then the heap ran out.
  const bomb = (() => {
    let text = `- list: big\n  items: [${Array.from({ length: 60_000 }, (_, i) => `i${i}`).join(',')}]\n`;
    for (let k = 0; k < 8; k++) text += `- list: l${k}\n  items: [${new Array<string>(1000).fill('big').join(',')}]\n`;
    return text;
  })();

  it('refuses 8 lists naming a 60 000-item list 1 000 times each, list by list, with positions', () => {
    const { value, ms } = timed(() => load(`${bomb}${rule('ka.user.name in (l0)')}`));
    const listErrors = value.errors.filter((issue) => issue.item?.type === 'list');
    expect(listErrors.map((issue) => [issue.code, issue.item?.name, issue.position?.line])).toEqual(Array.from({ length: 8 }, (_, k) => ['LIST_LIMIT', `l${k}`, 3 + 2 * k]));
    expect(listErrors[0]?.message).toContain(`over the limit of ${DEFAULT_LOAD_LIMITS.maxListItems} items`);
    // A rule naming a dropped list is over the limit too: the name is never read as a literal word.
    const ruleError = value.errors.find((issue) => issue.item?.type === 'rule');
    expect(ruleError).toMatchObject({ code: 'LIST_LIMIT', item: { name: 'r' }, position: { line: 21, offset: 17, length: 2 } });
    expect(ms).toBeLessThan(20_000);
  });

  it('counts the items a condition substitutes, in the same budget', () => {
    const lists = `- list: a\n  items: [${Array.from({ length: 40 }, (_, i) => `u${i}`).join(',')}]\n`;
    const within = load(`${lists}${rule('ka.user.name in (a, a)')}`, { maxListItems: 120 });
    expect(within.errors).toEqual([]);
    expect(within.ruleset.evaluate(event('u39'))).toHaveLength(1);
    const over = load(`${lists}${rule('ka.user.name in (a, a, a)')}`, { maxListItems: 120 });
    expect(over.errors).toMatchObject([{ code: 'LIST_LIMIT', item: { type: 'rule', name: 'r' }, position: { offset: 23, length: 1 } }]);
  });

  it('expands a chain of 20 000 lists without recursion', () => {
    let text = '- list: l0\n  items: [a]\n';
    for (let i = 1; i < 20_000; i++) text += `- list: l${i}\n  items: [l${i - 1}, x${i}]\n`;
    const { value, ms } = timed(() => load(`${text}${rule('ka.user.name in (l19999)')}`));
    expect(new Set(codes(value.errors))).toEqual(new Set(['LIST_LIMIT']));
    expect(ms).toBeLessThan(30_000);
    // The same chain, short enough for the limit, expands in order.
    const short = load(`${text.split('- list: l50\n')[0] ?? ''}${rule('ka.user.name in (l49)')}`);
    expect(short.errors).toEqual([]);
    expect(short.ruleset.evaluate(event('a'))).toHaveLength(1);
    expect(short.ruleset.evaluate(event('x49'))).toHaveLength(1);
  });
});

describe('macro nesting (maxMacroDepth, maxConditionDepth)', () => {
  // Issue #16, item 2: a 5 000-deep chain overflowed the stack; in a watched folder the process exited.
  it('refuses a 5 000-deep macro chain with MACRO_DEPTH_LIMIT at the reference that goes too deep', () => {
    const { value, ms } = timed(() => load(`${macroChain(5000)}${rule('m4999')}`));
    const error = value.errors[0];
    expect(codes(value.errors)).toEqual(['MACRO_DEPTH_LIMIT']);
    // m4900's condition names m4899, the 101st macro on the way down.
    expect(error).toMatchObject({ item: { type: 'rule', name: 'r' }, position: { line: 2 * 4900 + 2, column: 14, offset: 0, length: 5 } });
    expect(error?.message).toContain('more than the limit of 100');
    expect(error?.message).toContain("in macro 'm4900'");
    expect(value.ruleset.rules).toEqual([]);
    expect(ms).toBeLessThan(20_000);
  });

  it('bounds the nesting through macros even when the macro limit is raised', () => {
    const { value } = timed(() => load(`${macroChain(5000)}${rule('m4999')}`, { maxMacroDepth: 100_000 }));
    expect(codes(value.errors)).toEqual(['DEPTH_LIMIT']);
    expect(value.errors[0]?.message).toContain('once macros are expanded');
  });

  it('bounds deep conditions inside deep macros (each macro under the parser limit)', () => {
    let text = '- macro: m0\n  condition: ka.verb = get\n';
    for (let i = 1; i < 90; i++) text += `- macro: m${i}\n  condition: ${'ka.verb = get and ('.repeat(60)}m${i - 1}${')'.repeat(60)}\n`;
    const result = load(`${text}${rule('m89')}`);
    expect(codes(result.errors)).toEqual(['DEPTH_LIMIT']);
  });

  it('holds whichever rule compiled the macros first (a cached macro counts with its depth)', () => {
    const result = load(`${macroChain(150)}${rule('m50', 'shallow')}${rule('m149', 'deep')}`);
    expect(result.errors.map((issue) => [issue.code, issue.item?.name])).toEqual([['MACRO_DEPTH_LIMIT', 'deep']]);
    expect(result.errors[0]?.message).toContain('counting the macros it uses');
    const nested = load(`${macroChain(150)}${rule('m50', 'shallow')}${rule('m149', 'deep')}`, { maxMacroDepth: 1000, maxConditionDepth: 120 });
    expect(nested.errors.map((issue) => [issue.code, issue.item?.name])).toEqual([['DEPTH_LIMIT', 'deep']]);
  });

  it('loads and evaluates a chain within the limit', () => {
    const result = load(`${macroChain(100)}${rule('m99')}`);
    expect(result.errors).toEqual([]);
    expect(result.ruleset.evaluate(event('bob'))).toHaveLength(1);
    expect(result.ruleset.evaluate(event('bob', 'list'))).toEqual([]);
  });

  it('walks a 5 000-deep chain used by a rule of another source without recursion', () => {
    const result = load(`${macroChain(5000)}${rule('m4999', 's', 'syscall')}`);
    expect(result.errors).toEqual([]);
    expect(result.ruleset.rules.map((r) => r.name)).toEqual(['s']);
  });

  it('reads a macro appended to 5 000 times in linear time', () => {
    let text = '- macro: m\n  condition: ka.verb = get\n';
    for (let i = 1; i < 5000; i++) text += `- macro: m\n  append: true\n  condition: or ka.verb = x${i}\n`;
    const { value, ms } = timed(() => load(`${text}${rule('m and ka.nope = 1')}`));
    expect(value.errors).toMatchObject([{ code: 'UNKNOWN_FIELD', position: { offset: 6 } }]);
    expect(ms).toBeLessThan(10_000);
  });
});

describe('condition size once macros are expanded (maxConditionNodes)', () => {
  // a(k) = a(k-1) and a(k-1): compiled once each (linear), but 2^k nodes expanded, as Falco builds it.
  function doubling(levels: number): string {
    let text = '- macro: a0\n  condition: ka.verb = get\n';
    for (let i = 1; i <= levels; i++) text += `- macro: a${i}\n  condition: a${i - 1} and a${i - 1}\n`;
    return text;
  }

  it('counts what the macros expand to, not what was compiled', () => {
    const big = load(`${doubling(20)}${rule(`a20`)}`);
    expect(codes(big.errors)).toEqual(['NODE_LIMIT']);
    expect(big.errors[0]?.position?.line).toBeGreaterThan(1);
    const small = load(`${doubling(10)}${rule('a10')}`);
    expect(small.errors).toEqual([]);
    expect(small.ruleset.evaluate(event('bob'))).toHaveLength(1);
    expect(codes(load(`${doubling(10)}${rule('a10')}`, { maxConditionNodes: 1000 }).errors)).toEqual(['NODE_LIMIT']);
  });

  it('counts a macro compiled for an earlier rule in every rule that uses it', () => {
    const text = `${doubling(9)}${rule('a9', 'first')}${rule('a9 and a9', 'second')}`;
    const result = load(text, { maxConditionNodes: 3000 });
    expect(result.errors.map((issue) => [issue.code, issue.item?.name])).toEqual([['NODE_LIMIT', 'second']]);
  });
});

describe('regex and glob cost (maxPatternSize, maxMatchSteps)', () => {
  // Issue #16, item 3: this regex against a 10 KB user name held the event loop for 6-16 s.
  it('refuses nested counted repetition as RE2 (and so Falco) does', () => {
    const result = load(rule('ka.user.name regex "(.{1,1000}){24}x"'));
    expect(result.errors).toMatchObject([{ code: 'INVALID_REGEX', position: { line: 3, offset: 19, length: 18 } }]);
    expect(result.errors[0]?.message).toContain('bad repetition operator');
    // RE2 accepts counts whose product is 1000.
    expect(load(rule('ka.user.name regex "(a{500}){2}"')).errors).toEqual([]);
  });

  it('refuses a pattern larger than maxPatternSize with PATTERN_LIMIT', () => {
    expect(load(rule('ka.user.name regex "a{1,100}"'), { maxPatternSize: 100 }).errors).toMatchObject([{ code: 'PATTERN_LIMIT', position: { offset: 19 } }]);
    expect(load(rule(`ka.user.name glob "*${'a'.repeat(200)}b"`), { maxPatternSize: 100 }).errors).toMatchObject([{ code: 'PATTERN_LIMIT', position: { offset: 18 } }]);
    expect(load(rule('ka.user.name regex "a{1,30}"'), { maxPatternSize: 100 }).errors).toEqual([]);
  });

  it('stops a regex past maxMatchSteps: the rule does not match, under not either, and is counted', () => {
    const text = `${rule('ka.user.name regex "(.{1,1000})*x"', 'plain')}${rule('not ka.user.name regex "(.{1,1000})*x"', 'negated')}`;
    const { ruleset, errors } = load(text, { maxMatchSteps: 1_000_000 });
    expect(errors).toEqual([]);
    const { value: alerts, ms } = timed(() => ruleset.evaluate(event('a'.repeat(10_000)), { ruleMatching: 'all' }));
    expect(alerts).toEqual([]);
    expect(ruleset.stats.evaluationErrors).toEqual({ plain: 1, negated: 1 });
    expect(ms).toBeLessThan(5000);
    // Values the budget covers still match as before.
    expect(ruleset.evaluate(event(`${'a'.repeat(50)}x`), { ruleMatching: 'all' }).map((a) => a.rule)).toEqual(['plain']);
  });

  it('stops a glob past maxMatchSteps: *aaaa…b against 100 KB', () => {
    const { ruleset, errors } = load(rule(`ka.user.name glob "*${'a'.repeat(10_000)}b"`, 'g'), { maxPatternSize: 20_000 });
    expect(errors).toEqual([]);
    const { value: alerts, ms } = timed(() => ruleset.evaluate(event('a'.repeat(100_000))));
    expect(alerts).toEqual([]);
    expect(ruleset.stats.evaluationErrors).toEqual({ g: 1 });
    expect(ms).toBeLessThan(5000);
    expect(ruleset.evaluate(event(`${'a'.repeat(10_000)}b`))).toHaveLength(1);
  });

  it('evaluates a costly comparison in a shared macro once per event', () => {
    const text = `- macro: slow\n  condition: ka.user.name regex "(.{1,1000})*x"\n${rule('slow', 'one')}${rule('slow and ka.verb = get', 'two')}`;
    const { ruleset } = load(text, { maxMatchSteps: 1_000_000 });
    expect(ruleset.evaluate(event('a'.repeat(10_000)), { ruleMatching: 'all' })).toEqual([]);
    expect(ruleset.stats.evaluationErrors).toEqual({ one: 1, two: 1 });
  });
});

describe('the stock rules are far inside every default limit', () => {
  it('load unchanged with limits a hundredth of the defaults', () => {
    const text = readFileSync(join(__dirname, '../../../rules/k8s_audit_rules.yaml'), 'utf8');
    const tight = { maxListItems: 10_000, maxConditionNodes: 1000, maxMacroDepth: 10, maxPatternSize: 100, maxConditionDepth: 100 };
    expect(loadRules([{ name: 'k8s_audit_rules.yaml', text }], tight).errors).toEqual([]);
  });
});
