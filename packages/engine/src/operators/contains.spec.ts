import { describe, expect, it } from 'vitest';
import { containsOperator } from './contains';
import { scalarTest } from './test-helpers';

describe('contains', () => {
  it('finds a substring, case-sensitively, on strings only', () => {
    const test = scalarTest(containsOperator, ['password']);
    expect(test('{"password":"x"}')).toBe(true);
    expect(test('PASSWORD')).toBe(false);
    expect(test(12)).toBe(false);
    expect(containsOperator.types).toEqual(['string']);
  });
});
