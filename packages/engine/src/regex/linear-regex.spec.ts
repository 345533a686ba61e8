import { describe, expect, it } from 'vitest';
import { MATCH_LIMIT_EVALUATION_ERROR } from '../condition/eval-state';
import { compileLinearRegex, RegexLimitError, RegexSyntaxError } from './linear-regex';

const full = (pattern: string, value: string): boolean => compileLinearRegex(pattern)(value);

describe('the linear-time regex', () => {
  it('matches the whole value (RE2 ANCHOR_BOTH)', () => {
    expect(full('abc', 'abc')).toBe(true);
    expect(full('abc', 'xabc')).toBe(false);
    expect(full('a.c', 'abc')).toBe(true);
    expect(full('.*', '')).toBe(true);
  });

  it('supports alternation, groups, repetition and bounds', () => {
    expect(full('(get|list|watch)', 'list')).toBe(true);
    expect(full('(get|list|watch)', 'lis')).toBe(false);
    expect(full('a+b*c?', 'aaab')).toBe(true);
    expect(full('x{2,3}', 'xxx')).toBe(true);
    expect(full('x{2,3}', 'xxxx')).toBe(false);
    expect(full('x{2,}', 'xxxxx')).toBe(true);
    expect(full('x{2}', 'xx')).toBe(true);
    expect(full('a{,2}', 'a{,2}')).toBe(true);
  });

  it('supports classes, ranges, negation and POSIX names', () => {
    expect(full('[a-z0-9-]+', 'kube-proxy-7')).toBe(true);
    expect(full('[^/]+', 'a/b')).toBe(false);
    expect(full('[[:digit:]]+', '2024')).toBe(true);
    expect(full('[[:alpha:]_]+', 'ab_c')).toBe(true);
    expect(full('\\.\\*', '.*')).toBe(true);
    expect(full('[]a]', ']')).toBe(true);
  });

  it('treats ^ and $ as line anchors', () => {
    expect(full('^abc$', 'abc')).toBe(true);
    expect(full('a$\\n^b', 'a\nb')).toBe(true);
  });

  it('rejects what RE2 rejects in POSIX mode, with a syntax error', () => {
    for (const pattern of ['a(b', 'a)b', '*a', '\\d+', '(?i)a', 'a*?', '[a', '[[:nope:]]', 'x{1001}', 'x{3,2}', '\\']) {
      expect(() => compileLinearRegex(pattern), pattern).toThrow(RegexSyntaxError);
    }
  });

  it('runs in linear time on patterns that make backtracking engines explode', () => {
    const start = performance.now();
    expect(full('(a+)+$', `${'a'.repeat(20_000)}b`)).toBe(false);
    expect(full('(a|aa)*c', 'a'.repeat(20_000))).toBe(false);
    expect(performance.now() - start).toBeLessThan(3000);
  });

  it('refuses oversized programs and deep nesting quickly instead of allocating them', () => {
    const start = performance.now();
    expect(() => compileLinearRegex('((a{1000}){1000}){1000}')).toThrow(RegexSyntaxError);
    expect(() => compileLinearRegex(`${'('.repeat(100_000)}a${')'.repeat(100_000)}`)).toThrow(RegexSyntaxError);
    expect(() => compileLinearRegex('a|'.repeat(100_000) + 'a')).toThrow(RegexSyntaxError);
    expect(performance.now() - start).toBeLessThan(3000);
  });

  it('refuses nested counts whose product passes 1000, as RE2 (RepetitionWalker) does', () => {
    for (const pattern of ['(.{1,1000}){24}x', '(a{2}){501}', 'a{2}{501}', '((a{10}){10}){11}', '(a{2,}){501}']) {
      expect(() => compileLinearRegex(pattern), pattern).toThrow(/bad repetition operator/);
    }
    for (const pattern of ['(a{500}){2}', '((a{10}){10}){10}', '(a{1000})*', '(a{1000}){0,1}', 'a{1000}b{1000}']) {
      expect(() => compileLinearRegex(pattern), pattern).not.toThrow();
    }
  });

  it('refuses a program over maxPatternSize with RegexLimitError', () => {
    expect(() => compileLinearRegex('a{1,100}', { maxPatternSize: 100, maxMatchSteps: 1000 })).toThrow(RegexLimitError);
    expect(() => compileLinearRegex('ab|cd|ef', { maxPatternSize: 5, maxMatchSteps: 1000 })).toThrow(RegexLimitError);
  });

  it('stops a match past maxMatchSteps with the evaluation error, and counts live states, not characters', () => {
    const limits = { maxPatternSize: 10_000, maxMatchSteps: 100_000 };
    expect(() => compileLinearRegex('(.{1,1000})*x', limits)('a'.repeat(10_000))).toThrow(MATCH_LIMIT_EVALUATION_ERROR);
    // Three live states per character: 30 000 characters is within 100 000 steps.
    expect(compileLinearRegex('.*secret.*', limits)(`${'a'.repeat(30_000)}secret`)).toBe(true);
    // A value the pattern rejects early costs nothing however long it is.
    expect(compileLinearRegex('abc.*', limits)('x'.repeat(1_000_000))).toBe(false);
  });
});
