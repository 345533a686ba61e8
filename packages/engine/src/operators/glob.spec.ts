import { describe, expect, it } from 'vitest';
import { MATCH_LIMIT_EVALUATION_ERROR } from '../condition/eval-state';
import { compileGlob, GlobLimitError, globMatchOperator, iglobOperator } from './glob';
import { scalarTest } from './test-helpers';

describe('glob and iglob', () => {
  it('match the whole value with *, ?, classes and escapes', () => {
    const cases: Array<[string, string, boolean]> = [
      ['/home/*/.ssh/*', '/home/bob/.ssh/id_rsa', true],
      ['/home/*/.ssh/*', '/root/.ssh/id_rsa', false],
      ['*../*../*', 'a/../b/../c', true],
      ['file?.txt', 'file1.txt', true],
      ['file?.txt', 'file12.txt', false],
      ['[a-c]x', 'bx', true],
      ['[!a-c]x', 'bx', false],
      ['[^a-c]x', 'dx', true],
      ['\\*', '*', true],
      ['\\*', 'a', false],
      ['[unclosed', '[unclosed', true],
      ['', '', true],
      ['*', '', true],
    ];
    for (const [pattern, value, expected] of cases) expect(compileGlob(pattern, false)(value), `${pattern} ~ ${value}`).toBe(expected);
  });

  it('never backtracks exponentially', () => {
    const start = performance.now();
    expect(compileGlob(`${'*a'.repeat(30)}b`, false)('a'.repeat(5000))).toBe(false);
    expect(performance.now() - start).toBeLessThan(2000);
  });

  it('ignore case with iglob', () => {
    expect(scalarTest(iglobOperator, ['*/PODS/*'])('/api/pods/x')).toBe(true);
    expect(scalarTest(globMatchOperator, ['*/PODS/*'])('/api/pods/x')).toBe(false);
  });

  it('stop past maxMatchSteps, refuse patterns over maxPatternSize', () => {
    const limits = { maxPatternSize: 20_000, maxMatchSteps: 1_000_000 };
    const start = performance.now();
    expect(() => compileGlob(`*${'a'.repeat(10_000)}b`, false, limits)('a'.repeat(100_000))).toThrow(MATCH_LIMIT_EVALUATION_ERROR);
    expect(performance.now() - start).toBeLessThan(2000);
    expect(compileGlob('*/kube-system/*', false, limits)(`/${'x'.repeat(500_000)}/kube-system/y`)).toBe(true);
    expect(() => compileGlob('a'.repeat(101), false, { maxPatternSize: 100, maxMatchSteps: 1000 })).toThrow(GlobLimitError);
    expect(globMatchOperator.compile(['a'.repeat(101)], 'string', { maxPatternSize: 100, maxMatchSteps: 1000 })).toMatchObject({ code: 'PATTERN_LIMIT' });
    // From an event (glob val(field)), a pattern too large cannot be evaluated.
    expect(() => globMatchOperator.compare?.('x', 'a'.repeat(101), { maxPatternSize: 100, maxMatchSteps: 1000 })).toThrow(MATCH_LIMIT_EVALUATION_ERROR);
  });
});
