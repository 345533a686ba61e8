import { describe, expect, it } from 'vitest';
import { orderingOperator } from './ordering';
import { scalarTest } from './test-helpers';

describe('< <= > >=', () => {
  it('compare strings as strcmp does (so response codes compare as text, as in Falco)', () => {
    expect(scalarTest(orderingOperator('>='), ['400'])('403')).toBe(true);
    expect(scalarTest(orderingOperator('<'), ['400'])('201')).toBe(true);
    expect(scalarTest(orderingOperator('>'), ['400'])('99')).toBe(true);
    expect(scalarTest(orderingOperator('<='), ['b'])('b')).toBe(true);
  });

  it('compare numbers numerically, and never a number with a string', () => {
    expect(scalarTest(orderingOperator('>'), [10], 'number')(9)).toBe(false);
    expect(scalarTest(orderingOperator('>'), [9], 'number')(10)).toBe(true);
    expect(scalarTest(orderingOperator('>'), [9], 'number')('10')).toBe(false);
    expect(orderingOperator('<').compile([], 'string')).toEqual({ error: "operator '<' needs a value" });
  });
});
