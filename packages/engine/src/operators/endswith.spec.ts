import { describe, expect, it } from 'vitest';
import { endswithOperator } from './endswith';
import { scalarTest } from './test-helpers';

describe('endswith', () => {
  it('tests a suffix', () => {
    expect(scalarTest(endswithOperator, ['/exec'])('/api/v1/pods/x/exec')).toBe(true);
    expect(scalarTest(endswithOperator, ['/exec'])('/exec/x')).toBe(false);
  });
});
