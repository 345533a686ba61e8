import { describe, expect, it } from 'vitest';
import { notEqualsOperator } from './not-equals';
import { scalarTest } from './test-helpers';

describe('!=', () => {
  it('is true for a different value (missing values never reach it: they are false)', () => {
    expect(scalarTest(notEqualsOperator, ['reject'])('allow')).toBe(true);
    expect(scalarTest(notEqualsOperator, ['reject'])('reject')).toBe(false);
    expect(notEqualsOperator.compare?.('a', 'b')).toBe(true);
  });
});
