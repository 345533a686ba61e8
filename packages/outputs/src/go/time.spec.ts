import { describe, expect, it } from 'vitest';
import { addSeconds, goRfc3339Nano, goTimeString, parseAlertTime, unixNanoText } from './time';

// Parsing itself (what is refused, offsets, fractions) is specified once, in the engine's time.spec.ts.
describe('Go time renderings', () => {
  it('Time.String() as falcosidekick shows it in Slack/Teams', () => {
    expect(goTimeString('2001-01-01T01:10:00Z')).toBe('2001-01-01 01:10:00 +0000 UTC');
    expect(goTimeString('2026-11-23T14:05:27.146981532Z')).toBe('2026-11-23 14:05:27.146981532 +0000 UTC');
    expect(goTimeString('2026-11-23T14:05:27.100Z')).toBe('2026-11-23 14:05:27.1 +0000 UTC');
    // An offset that is not the local zone: Go's fabricated fixed zone prints the offset as its name.
    expect(goTimeString('2024-03-03T10:00:00+02:00')).toBe('2024-03-03 10:00:00 +0200 +0200');
    expect(goTimeString('2024-03-03T10:00:00-09:30')).toBe('2024-03-03 10:00:00 -0930 -0930');
  });

  it('UnixNano as decimal text (Loki timestamps), exact beyond 2^53', () => {
    expect(unixNanoText('2001-01-01T01:10:00Z')).toBe('978311400000000000');
    expect(unixNanoText('2026-11-23T14:05:27.146981532Z')).toBe('1795442727146981532');
    expect(unixNanoText('2024-03-03T10:00:00+02:00')).toBe('1709452800000000000');
    expect(unixNanoText('1969-12-31T23:59:59.5Z')).toBe('-500000000');
  });

  it('MarshalJSON form and Add (AlertManager endsAt)', () => {
    expect(goRfc3339Nano(parseAlertTime('2023-03-03T03:03:03.000000003Z'))).toBe('2023-03-03T03:03:03.000000003Z');
    expect(goRfc3339Nano(parseAlertTime('2023-03-03T03:03:03.500000000Z'))).toBe('2023-03-03T03:03:03.5Z');
    expect(addSeconds('2001-01-01T01:10:00Z', 3600)).toBe('2001-01-01T02:10:00Z');
    expect(addSeconds('2024-12-31T23:59:59.25+01:00', 1)).toBe('2025-01-01T00:00:00.25+01:00');
  });

  it('throws on an alert time the parser refuses (the server never stores one)', () => {
    expect(() => parseAlertTime('yesterday')).toThrow(/RFC 3339/);
    expect(() => goTimeString('2026-02-30T00:00:00Z')).toThrow(/RFC 3339/);
  });
});
