import { describe, expect, it } from 'vitest';
import { fillTimeline } from './stats';

describe('fillTimeline', () => {
  it('draws every bucket of the range, with zeros where the server sent none', () => {
    const { points, series } = fillTimeline({
      bucketMs: 60_000,
      from: '2026-11-23T10:00:30.000Z',
      until: '2026-11-23T10:04:00.000Z',
      timeline: [
        { start: '2026-11-23T10:01:00.000Z', counts: { Warning: 2 } },
        { start: '2026-11-23T10:03:00.000Z', counts: { Error: 1, Warning: 1 } },
      ],
    });
    expect(series).toEqual(['Warning', 'Error']);
    const t = (m: number): number => Date.parse(`2026-11-23T10:0${m}:00.000Z`);
    expect(points).toEqual([
      { startMs: t(0), Warning: 0, Error: 0 },
      { startMs: t(1), Warning: 2, Error: 0 },
      { startMs: t(2), Warning: 0, Error: 0 },
      { startMs: t(3), Warning: 1, Error: 1 },
      { startMs: t(4), Warning: 0, Error: 0 },
    ]);
  });

  it('draws a rule called constructor or __proto__ only where it was counted', () => {
    const { points } = fillTimeline({ bucketMs: 1000, timeline: JSON.parse('[{"start":"1970-01-01T00:00:01.000Z","counts":{"constructor":2,"__proto__":1}},{"start":"1970-01-01T00:00:02.000Z","counts":{"toString":1}}]') as Array<{ start: string; counts: Record<string, number> }> });
    expect(points.map((p) => [p['constructor'], p['__proto__'], p['toString']])).toEqual([[2, 1, 0], [0, 0, 1]]);
  });

  it('draws nothing for an empty timeline, and only the data span without a range', () => {
    expect(fillTimeline({ bucketMs: 1000, timeline: [] }).points).toEqual([]);
    const { points } = fillTimeline({ bucketMs: 1000, timeline: [{ start: '1970-01-01T00:00:02.000Z', counts: { a: 1 } }, { start: '1970-01-01T00:00:04.000Z', counts: { a: 3 } }] });
    expect(points.map((p) => [p.startMs, p['a']])).toEqual([[2000, 1], [3000, 0], [4000, 3]]);
  });
});
