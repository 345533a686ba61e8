import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRfc3339, unixTimeFromNanos } from '../time';
import { formatRawTime, formatTime } from './time';

describe('event time as Falco renders it', () => {
  it('nine digits, UTC', () => {
    const time = { seconds: 1540476589, nanos: 802437000 };
    expect(formatTime(time)).toEqual({ rfc3339: '2018-10-25T14:09:49.802437000Z', clock: '14:09:49.802437000', iso8601: '2018-10-25T14:09:49.802437000+0000' });
    expect(formatRawTime(time)).toBe('1540476589802437000');
  });

  it('the HH:MM:SS.nnnnnnnnn clock Falco puts before outputs', () => {
    expect(formatTime(unixTimeFromNanos(1558107116746609046n)).clock).toBe('15:31:56.746609046');
    expect(formatTime(unixTimeFromNanos(-1n)).clock).toBe('23:59:59.999999999');
  });

  it('agrees with Date for any instant read from a stageTimestamp', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (date) => {
        const iso = date.toISOString();
        const parsed = parseRfc3339(iso);
        if (parsed) expect(formatTime(parsed).rfc3339).toBe(`${iso.slice(0, 19)}.${iso.slice(20, 23)}000000Z`);
        expect(parsed).toBeDefined();
      }),
    );
  });
});
