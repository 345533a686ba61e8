import { describe, expect, it } from 'vitest';
import { inOperator } from './in';
import { listTest, scalarTest } from './test-helpers';

describe('in', () => {
  it('is membership for scalars', () => {
    const test = scalarTest(inOperator, ['create', 'update', 'patch']);
    expect(test('update')).toBe(true);
    expect(test('delete')).toBe(false);
    expect(scalarTest(inOperator, [])('x')).toBe(false);
  });

  it('needs every value of a list field to be a member, and at least one value', () => {
    const test = listTest(inOperator, ['nginx', 'apache']);
    expect(test(['nginx'])).toBe(true);
    expect(test(['nginx', 'apache'])).toBe(true);
    expect(test(['nginx', 'redis'])).toBe(false);
    expect(test([])).toBe(false);
  });
});
