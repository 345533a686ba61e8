import { describe, expect, it } from 'vitest';
import { instantFromRfc3339, nowInstant } from './time';

// What the parser accepts and refuses is specified once, in packages/engine/src/time.spec.ts.
describe('Instant: the server’s shape of a parsed time', () => {
  it('keeps Falco times to exact nanoseconds and writes them back as Go does', () => {
    const instant = instantFromRfc3339('2019-05-17T15:31:56.746609046Z');
    expect(instant?.ns).toBe(1558107116746609046n);
    expect(instant?.text).toBe('2019-05-17T15:31:56.746609046Z');
  });

  it('normalises offsets to UTC and trims trailing zeros like RFC3339Nano', () => {
    expect(instantFromRfc3339('2026-11-23T10:00:00.120000000+02:00')).toEqual({ ns: 1795420800120000000n, text: '2026-11-23T08:00:00.12Z' });
    expect(instantFromRfc3339('2026-11-23T10:00:00Z')?.text).toBe('2026-11-23T10:00:00Z');
    expect(instantFromRfc3339('1969-12-31T23:59:59.5-00:30')).toEqual({ ns: 1_799_500_000_000n, text: '1970-01-01T00:29:59.5Z' });
  });

  it('is undefined for what the parser refuses', () => {
    expect(instantFromRfc3339('yesterday')).toBeUndefined();
    expect(instantFromRfc3339('2026-02-30T10:00:00Z')).toBeUndefined();
  });

  it('reads the clock in milliseconds', () => {
    expect(nowInstant(() => 1_795_442_727_146)).toEqual({ ns: 1795442727146000000n, text: '2026-11-23T14:05:27.146Z' });
    expect(nowInstant(() => 0)).toEqual({ ns: 0n, text: '1970-01-01T00:00:00Z' });
  });
});
