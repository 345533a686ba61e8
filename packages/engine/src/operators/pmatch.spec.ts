import { describe, expect, it } from 'vitest';
import { pmatchOperator } from './pmatch';
import { scalarTest } from './test-helpers';

describe('pmatch', () => {
  it('matches a path equal to or under a listed directory, at component boundaries', () => {
    const test = scalarTest(pmatchOperator, ['/etc', '/var/run/'] );
    expect(test('/etc')).toBe(true);
    expect(test('/etc/passwd')).toBe(true);
    expect(test('/etcetera')).toBe(false);
    expect(test('/var/run/docker.sock')).toBe(true);
    expect(test('/var')).toBe(false);
    expect(scalarTest(pmatchOperator, ['/'])('/anything')).toBe(true);
    expect(pmatchOperator.compileForList).toBeUndefined();
  });
});
