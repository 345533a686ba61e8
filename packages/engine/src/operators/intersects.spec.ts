import { describe, expect, it } from 'vitest';
import { intersectsOperator } from './intersects';
import { listTest, scalarTest } from './test-helpers';

describe('intersects', () => {
  it('needs one shared value', () => {
    expect(listTest(intersectsOperator, ['*'])(['get', '*'])).toBe(true);
    expect(listTest(intersectsOperator, ['*'])(['get'])).toBe(false);
    expect(listTest(intersectsOperator, ['*'])([])).toBe(false);
    expect(scalarTest(intersectsOperator, ['true'])('true')).toBe(true);
  });
});
