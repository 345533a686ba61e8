import { describe, expect, it } from 'vitest';
import { icontainsOperator } from './icontains';
import { scalarTest } from './test-helpers';

describe('icontains', () => {
  it('finds a substring ignoring case', () => {
    expect(scalarTest(icontainsOperator, ['PassWord'])('my password')).toBe(true);
    expect(scalarTest(icontainsOperator, ['x'])('abc')).toBe(false);
  });
});
