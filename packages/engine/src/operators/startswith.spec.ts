import { describe, expect, it } from 'vitest';
import { startswithOperator } from './startswith';
import { scalarTest } from './test-helpers';

describe('startswith', () => {
  it('tests a prefix', () => {
    expect(scalarTest(startswithOperator, ['system:'])('system:kube-proxy')).toBe(true);
    expect(scalarTest(startswithOperator, ['2'])('201')).toBe(true);
    expect(scalarTest(startswithOperator, ['system:'])('admin')).toBe(false);
  });
});
