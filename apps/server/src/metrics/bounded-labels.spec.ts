import { describe, expect, it } from 'vitest';
import { BoundedLabels, OVERFLOW } from './bounded-labels';

describe('BoundedLabels', () => {
  it('cuts long values and keeps the same cut value for the same input', () => {
    const labels = new BoundedLabels({ maxSeries: 10, maxValueLength: 8 });
    expect(labels.bound({ hostname: 'node-1', rule: 'r' })).toEqual({ hostname: 'node-1', rule: 'r' });
    expect(labels.bound({ hostname: 'x'.repeat(3_000_000), rule: 'r' })).toEqual({ hostname: 'xxxxxxx…', rule: 'r' });
  });

  it('counts new combinations beyond the cap under one overflow series', () => {
    const labels = new BoundedLabels({ maxSeries: 2, maxValueLength: 100 });
    expect(labels.bound({ hostname: 'a', rule: 'r' })).toEqual({ hostname: 'a', rule: 'r' });
    expect(labels.bound({ hostname: 'b', rule: 'r' })).toEqual({ hostname: 'b', rule: 'r' });
    expect(labels.bound({ hostname: 'c', rule: 'r' })).toEqual({ hostname: OVERFLOW, rule: OVERFLOW });
    // Already known combinations keep their own series.
    expect(labels.bound({ hostname: 'a', rule: 'r' })).toEqual({ hostname: 'a', rule: 'r' });
  });
});
