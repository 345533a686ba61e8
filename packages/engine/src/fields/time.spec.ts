import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatRawTime, formatTime, parseRfc3339 } from './time';

describe('event time', () => {
  it('reads RFC 3339 with up to nine fractional digits and any offset', () => {
    expect(parseRfc3339('2018-10-25T14:09:49.802437Z')).toEqual({ seconds: 1540476589, nanos: 802437000 });
    expect(parseRfc3339('2018-10-25T14:09:49Z')).toEqual({ seconds: 1540476589, nanos: 0 });
    expect(parseRfc3339('2018-10-25T16:09:49.123456789+02:00')).toEqual({ seconds: 1540476589, nanos: 123456789 });
    expect(parseRfc3339('2018-10-25t14:09:49z')).toEqual({ seconds: 1540476589, nanos: 0 });
  });

  it('refuses what Go refuses', () => {
    for (const text of ['2018-10-25 14:09:49Z', '2018-02-30T00:00:00Z', '2018-10-25T24:00:00Z', '2018-10-25T14:09:49', '2018-10-25T14:09:49.Z', '2018-10-25T14:09:49.1234567890Z', 'yesterday', '']) {
      expect(parseRfc3339(text), text).toBeUndefined();
    }
  });

  it('renders as Falco does: nine digits, UTC', () => {
    const time = { seconds: 1540476589, nanos: 802437000 };
    expect(formatTime(time)).toEqual({ rfc3339: '2018-10-25T14:09:49.802437000Z', clock: '14:09:49.802437000', iso8601: '2018-10-25T14:09:49.802437000+0000' });
    expect(formatRawTime(time)).toBe('1540476589802437000');
  });

  it('agrees with Date for any instant', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (date) => {
        const iso = date.toISOString();
        const parsed = parseRfc3339(iso);
        expect(parsed?.seconds).toBe(Math.floor(date.getTime() / 1000));
        if (parsed) expect(formatTime(parsed).rfc3339).toBe(`${iso.slice(0, 19)}.${iso.slice(20, 23)}000000Z`);
      }),
    );
  });
});
