import { describe, expect, it } from 'vitest';
import { compileGlob, globMatchOperator, iglobOperator } from './glob';
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
});
