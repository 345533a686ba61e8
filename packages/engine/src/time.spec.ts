import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatRfc3339Nano, isWithinNanosecondRange, MAX_UNIX_NANOS, MIN_UNIX_NANOS, NANOSECOND_TIME_RANGE, parseRfc3339, unixNanosOf, unixTimeFromNanos } from './time';

const nanosOf = (text: string): bigint | undefined => {
  const time = parseRfc3339(text);
  return time && unixNanosOf(time);
};

describe('parseRfc3339: the one RFC 3339 reader (Go’s strict time.parseRFC3339)', () => {
  it('reads exact nanoseconds, any offset, and keeps the offset it was written in', () => {
    expect(parseRfc3339('2018-10-25T14:09:49.802437Z')).toEqual({ seconds: 1540476589, nanos: 802437000, offsetMinutes: undefined });
    expect(parseRfc3339('2018-10-25T14:09:49Z')).toEqual({ seconds: 1540476589, nanos: 0, offsetMinutes: undefined });
    expect(parseRfc3339('2018-10-25T16:09:49.123456789+02:00')).toEqual({ seconds: 1540476589, nanos: 123456789, offsetMinutes: 120 });
    expect(parseRfc3339('2018-10-25T12:39:49-01:30')).toEqual({ seconds: 1540476589, nanos: 0, offsetMinutes: -90 });
    expect(nanosOf('2019-05-17T15:31:56.746609046Z')).toBe(1558107116746609046n);
    expect(nanosOf('2026-11-23T14:05:27.146981532Z')).toBe(1795442727146981532n);
    expect(nanosOf('1969-12-31T23:59:59.5Z')).toBe(-500000000n);
  });

  it('keeps nine digits of fraction and ignores the rest, as Go (it truncates, never rounds)', () => {
    expect(nanosOf('2026-11-23T10:00:00.1234567891234Z')).toBe(1795428000123456789n);
    expect(parseRfc3339('2018-10-25T14:09:49.1234567899Z')?.nanos).toBe(123456789);
    expect(parseRfc3339('2018-10-25T14:09:49.5Z')?.nanos).toBe(500000000);
  });

  it('reads `+00:00` and `-00:00` as the zero offset, distinct from `Z`', () => {
    expect(parseRfc3339('2018-10-25T14:09:49+00:00')).toEqual({ seconds: 1540476589, nanos: 0, offsetMinutes: 0 });
    expect(Object.is(parseRfc3339('2018-10-25T14:09:49-00:00')?.offsetMinutes, 0)).toBe(true);
  });

  it('knows the calendar: leap days, month lengths, year 0 to 9999', () => {
    for (const good of ['2024-02-29T00:00:00Z', '2000-02-29T00:00:00Z', '2026-04-30T00:00:00Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999999999Z', '0001-01-01T00:00:00Z']) {
      expect(parseRfc3339(good), good).toBeDefined();
    }
    expect(nanosOf('0001-01-01T00:00:00Z')).toBe(-62135596800n * 1_000_000_000n);
  });

  it('refuses what Go refuses', () => {
    const bad = [
      '',
      'yesterday',
      '2026-11-23',
      '2018-10-25T14:09:49',
      '2018-10-25 14:09:49Z',
      '2018-10-25t14:09:49z',
      '2018-10-25T14:09:49z',
      '2018-10-25T14:09:49.Z',
      '2018-10-25T14:09:49,5Z',
      '2018-10-25T4:09:49Z',
      '2018-02-30T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-00-01T00:00:00Z',
      '2018-10-25T24:00:00Z',
      '2018-10-25T23:60:00Z',
      '2016-12-31T23:59:60Z',
      '0000-12-31T00:00:60-23:59',
      '2026-11-23T10:00:00+25:00',
      '2026-11-23T10:00:00+24:00',
      '2026-11-23T10:00:00+01:60',
      '2026-11-23T10:00:00+0100',
      '2026-11-23T10:00:00+01:00:00',
      '2026-11-23T10:00:00ZZ',
      '+2026-11-23T10:00:00Z',
      '２０２６-11-23T10:00:00Z',
    ];
    for (const text of bad) expect(parseRfc3339(text), text).toBeUndefined();
  });

  it('agrees with Date for any instant', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (date) => {
        const iso = date.toISOString();
        const parsed = parseRfc3339(iso);
        expect(parsed?.seconds).toBe(Math.floor(date.getTime() / 1000));
        expect(parsed?.nanos).toBe(date.getUTCMilliseconds() * 1_000_000);
      }),
    );
  });
});

describe('formatRfc3339Nano: Go’s RFC3339Nano (MarshalJSON)', () => {
  it('trims the fraction, writes the zone it was read in, and Z for any zero offset', () => {
    const roundTrip = (text: string): string | undefined => {
      const time = parseRfc3339(text);
      return time && formatRfc3339Nano(time);
    };
    expect(roundTrip('2019-05-17T15:31:56.746609046Z')).toBe('2019-05-17T15:31:56.746609046Z');
    expect(roundTrip('2023-03-03T03:03:03.000000003Z')).toBe('2023-03-03T03:03:03.000000003Z');
    expect(roundTrip('2023-03-03T03:03:03.500000000Z')).toBe('2023-03-03T03:03:03.5Z');
    expect(roundTrip('2026-11-23T10:00:00.120000000+02:00')).toBe('2026-11-23T10:00:00.12+02:00');
    expect(roundTrip('2026-11-23T10:00:00-09:30')).toBe('2026-11-23T10:00:00-09:30');
    expect(roundTrip('2026-11-23T10:00:00+00:00')).toBe('2026-11-23T10:00:00Z');
    expect(roundTrip('0000-01-01T00:00:00Z')).toBe('0000-01-01T00:00:00Z');
  });

  it('renders an instant in UTC when no offset is given', () => {
    expect(formatRfc3339Nano(unixTimeFromNanos(0n))).toBe('1970-01-01T00:00:00Z');
    expect(formatRfc3339Nano(unixTimeFromNanos(-1n))).toBe('1969-12-31T23:59:59.999999999Z');
    const time = parseRfc3339('2026-11-23T10:00:00.120000000+02:00');
    expect(time && formatRfc3339Nano({ seconds: time.seconds, nanos: time.nanos })).toBe('2026-11-23T08:00:00.12Z');
  });

  it('converts to and from nanoseconds exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: MIN_UNIX_NANOS, max: MAX_UNIX_NANOS }), (ns) => {
        const time = unixTimeFromNanos(ns);
        expect(unixNanosOf(time)).toBe(ns);
        expect(nanosOf(formatRfc3339Nano(time))).toBe(ns);
      }),
    );
  });
});

describe('64-bit nanosecond range (Falco’s evt.time, the stored time)', () => {
  it('is exactly the range it names', () => {
    expect(NANOSECOND_TIME_RANGE).toBe(`${formatRfc3339Nano(unixTimeFromNanos(MIN_UNIX_NANOS))} to ${formatRfc3339Nano(unixTimeFromNanos(MAX_UNIX_NANOS))}`);
    const within = (text: string): boolean | undefined => {
      const time = parseRfc3339(text);
      return time && isWithinNanosecondRange(time);
    };
    expect(within('1677-09-21T00:12:43.145224192Z')).toBe(true);
    expect(within('2262-04-11T23:47:16.854775807Z')).toBe(true);
    expect(within('2262-04-12T01:47:16.854775807+02:00')).toBe(true);
    expect(within('1677-09-21T00:12:43.145224191Z')).toBe(false);
    expect(within('2262-04-11T23:47:16.854775808Z')).toBe(false);
    expect(within('9999-12-31T23:59:59Z')).toBe(false);
    // Go's zero time parses, but lies outside: falcosidekick treats it as "no time".
    expect(within('0001-01-01T00:00:00Z')).toBe(false);
  });
});
