import { describe, expect, it } from 'vitest';
import { EVENT_TIME_RANGE, formatClockNano, formatRfc3339Nano, isStorableEventTime, MAX_EVENT_NS, MIN_EVENT_NS, parseRfc3339 } from './time';

describe('RFC 3339 with nanoseconds', () => {
  it('parses Falco times to exact nanoseconds and writes them back as Go does', () => {
    const instant = parseRfc3339('2019-05-17T15:31:56.746609046Z');
    expect(instant?.ns).toBe(1558107116746609046n);
    expect(instant?.text).toBe('2019-05-17T15:31:56.746609046Z');
  });

  it('normalises offsets to UTC and trims trailing zeros like RFC3339Nano', () => {
    expect(parseRfc3339('2026-11-23T10:00:00.120000000+02:00')?.text).toBe('2026-11-23T08:00:00.12Z');
    expect(parseRfc3339('2026-11-23T10:00:00Z')?.text).toBe('2026-11-23T10:00:00Z');
  });

  it('keeps nine digits of fraction and ignores the rest, as Go', () => {
    expect(parseRfc3339('2026-11-23T10:00:00.1234567891234Z')?.ns).toBe(1795428000123456789n);
  });

  it('refuses what Go refuses', () => {
    for (const bad of ['2026-11-23', '2026-11-23 10:00:00Z', '2026-02-30T10:00:00Z', '2026-11-23T24:00:00Z', '0001-01-01T00:00:00Z', 'yesterday', '2026-11-23T10:00:00+25:00']) {
      expect(parseRfc3339(bad), bad).toBeUndefined();
    }
  });

  it('stores event times as 64-bit nanoseconds: the range it names is exactly that', () => {
    expect(EVENT_TIME_RANGE).toBe(`${formatRfc3339Nano(MIN_EVENT_NS)} to ${formatRfc3339Nano(MAX_EVENT_NS)}`);
    const storable = (text: string): boolean | undefined => {
      const instant = parseRfc3339(text);
      return instant && isStorableEventTime(instant);
    };
    expect(storable('1677-09-21T00:12:43.145224192Z')).toBe(true);
    expect(storable('2262-04-11T23:47:16.854775807Z')).toBe(true);
    expect(storable('1677-09-21T00:12:43.145224191Z')).toBe(false);
    expect(storable('2262-04-11T23:47:16.854775808Z')).toBe(false);
    expect(storable('9999-12-31T23:59:59Z')).toBe(false);
  });

  it('formats the HH:MM:SS.nnnnnnnnn clock Falco puts before outputs', () => {
    expect(formatClockNano(1558107116746609046n)).toBe('15:31:56.746609046');
    expect(formatRfc3339Nano(0n)).toBe('1970-01-01T00:00:00Z');
  });
});
