import { describe, expect, it } from 'vitest';
import { autoBucketMs, MAX_AUTO_BUCKETS, parseStatsOptions } from './alert-stats-options';

describe('parseStatsOptions', () => {
  it('reads the field, top-N and the bucket (a duration or auto)', () => {
    expect(parseStatsOptions({ by: 'rule', top: '10' }, 5)).toEqual({ by: 'rule', top: 10, nowMs: 5 });
    expect(parseStatsOptions({ by: 'priority', bucket: '5m' }, 5)).toEqual({ by: 'priority', bucket: 300_000, nowMs: 5 });
    expect(parseStatsOptions({ by: 'source', bucket: 'auto' }, 5)).toEqual({ by: 'source', bucket: 'auto', nowMs: 5 });
  });

  it('refuses what it cannot honour, naming the parameter', () => {
    expect(() => parseStatsOptions({ by: 'uuid' }, 0)).toThrow(/wrong Group By field/);
    expect(() => parseStatsOptions({ by: 'rule', top: '0' }, 0)).toThrow(/query parameter top/);
    expect(() => parseStatsOptions({ by: 'rule', top: 'ten' }, 0)).toThrow(/query parameter top/);
    expect(() => parseStatsOptions({ by: 'rule', bucket: '10ms' }, 0)).toThrow(/query parameter bucket/);
    expect(() => parseStatsOptions({ by: 'tags', bucket: 'auto' }, 0)).toThrow(/cannot be grouped by tags/);
  });
});

describe('autoBucketMs', () => {
  it('picks the narrowest round width that keeps the range within the bucket budget', () => {
    expect(autoBucketMs(0)).toBe(1000);
    expect(autoBucketMs(15 * 60_000)).toBe(10_000);
    expect(autoBucketMs(3_600_000)).toBe(30_000);
    expect(autoBucketMs(24 * 3_600_000)).toBe(900_000);
    expect(autoBucketMs(7 * 86_400_000)).toBe(7_200_000);
    expect(autoBucketMs(365 * 86_400_000)).toBe(604_800_000);
    expect(autoBucketMs(3 * 365 * 86_400_000)).toBe(10 * 86_400_000);
  });

  it('never exceeds the budget', () => {
    for (let span = 1; span < 1e12; span *= 3.7) expect(span / autoBucketMs(span)).toBeLessThanOrEqual(MAX_AUTO_BUCKETS);
  });
});
