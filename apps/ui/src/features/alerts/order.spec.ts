import { describe, expect, it } from 'vitest';
import { mergeNewestFirst, timeKey } from './order';

const at = (name: string, time: string) => ({ name, time });

describe('Events order', () => {
  it('orders times to the nanosecond whatever the number of fraction digits', () => {
    expect(timeKey('2026-11-23T10:00:00.5Z') > timeKey('2026-11-23T10:00:00.499999999Z')).toBe(true);
    expect(timeKey('2026-11-23T10:00:00Z') < timeKey('2026-11-23T10:00:00.000000001Z')).toBe(true);
    expect(timeKey('2026-11-23T11:00:00+01:00')).toBe(timeKey('2026-11-23T10:00:00Z'));
  });

  it('merges arrivals by event time, latest arrival first within an instant', () => {
    const rows = [at('r9', '2026-11-23T10:09:00Z'), at('r5', '2026-11-23T10:05:00Z'), at('r1', '2026-11-23T10:01:00Z')];
    const fresh = [at('late', '2026-11-23T10:03:00Z'), at('new', '2026-11-23T10:10:00Z'), at('same', '2026-11-23T10:05:00Z')];
    expect(mergeNewestFirst(fresh, rows, true).map((a) => a.name)).toEqual(['new', 'r9', 'same', 'r5', 'late', 'r1']);
  });

  it('leaves an arrival older than the last loaded row to the next page', () => {
    const rows = [at('r9', '2026-11-23T10:09:00Z'), at('r5', '2026-11-23T10:05:00Z')];
    const fresh = [at('older', '2026-11-23T10:04:00Z'), at('tie', '2026-11-23T10:05:00Z')];
    expect(mergeNewestFirst(fresh, rows, false).map((a) => a.name)).toEqual(['r9', 'tie', 'r5']);
    expect(mergeNewestFirst(fresh, rows, true).map((a) => a.name)).toEqual(['r9', 'tie', 'r5', 'older']);
  });
});
