import { describe, expect, it } from 'vitest';
import { regexOperator } from './regex';
import { scalarTest } from './test-helpers';

describe('regex', () => {
  it('matches the whole value', () => {
    expect(scalarTest(regexOperator, ['system:.*'])('system:kube-proxy')).toBe(true);
    expect(scalarTest(regexOperator, ['kube'])('system:kube-proxy')).toBe(false);
  });

  it('reports an invalid pattern as an error, not an exception', () => {
    expect(regexOperator.compile(['a(b'], 'string')).toMatchObject({ error: expect.stringContaining('invalid regular expression') as string });
    expect(regexOperator.compile(['\\d+'], 'string')).toMatchObject({ error: expect.stringContaining('invalid') as string });
  });
});
