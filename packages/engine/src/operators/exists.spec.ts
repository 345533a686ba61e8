import { describe, expect, it } from 'vitest';
import { existsOperator } from './exists';
import { listTest, scalarTest } from './test-helpers';

describe('exists', () => {
  it('holds for any extracted scalar, and for non-empty lists', () => {
    expect(scalarTest(existsOperator, [])('')).toBe(true);
    expect(listTest(existsOperator, [])(['a'])).toBe(true);
    expect(listTest(existsOperator, [])([])).toBe(false);
  });
});
