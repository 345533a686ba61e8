import { describe, expect, it } from 'vitest';
import { equalsOperator } from './equals';
import { scalarTest } from './test-helpers';

describe('= and ==', () => {
  it('compare exactly, for strings and numbers', () => {
    for (const op of [equalsOperator('='), equalsOperator('==')]) {
      expect(scalarTest(op, ['get'])('get')).toBe(true);
      expect(scalarTest(op, ['get'])('GET')).toBe(false);
      expect(scalarTest(op, [3], 'number')(3)).toBe(true);
      expect(op.compare?.('a', 'a')).toBe(true);
      expect(op.compileForList).toBeUndefined();
    }
  });
});
