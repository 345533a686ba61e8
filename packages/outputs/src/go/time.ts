/**
 * The few Go `time.Time` renderings falcosidekick puts on the wire, computed from the alert's
 * RFC 3339 text (read by the engine's one parser) with integer arithmetic, so nanoseconds are
 * never rounded through a float.
 */
import { civilTime, formatCivil, formatOffset, formatRfc3339Nano, parseRfc3339, type Rfc3339Time, trimmedFraction, unixNanosOf } from '@peregrine/engine';

/**
 * The alert's time. The server stored it only after the same parser accepted it, so a text it
 * refuses here is a programming error, not bad input: throw rather than render a made-up time.
 */
export function parseAlertTime(text: string): Rfc3339Time {
  const time = parseRfc3339(text);
  if (!time) throw new Error(`not an RFC 3339 time: ${JSON.stringify(text)}`);
  return time;
}

/**
 * Go's `Time.String()` for a time decoded from JSON: `2006-01-02 15:04:05.999999999 -0700 MST`.
 * A `Z` time is in Go's UTC location (`+0000 UTC`); a numeric offset becomes an unnamed fixed
 * zone, which Go prints as the offset twice (`+0200 +0200`).
 */
export function goTimeString(text: string): string {
  const time = parseAlertTime(text);
  const { date, clock } = formatCivil(civilTime(time, time.offsetMinutes ?? 0));
  const zone = time.offsetMinutes === undefined ? '+0000 UTC' : `${formatOffset(time.offsetMinutes, false)} ${formatOffset(time.offsetMinutes, false)}`;
  return `${date} ${clock}${trimmedFraction(time.nanos)} ${zone}`;
}

/** Go's `Time.MarshalJSON` text (RFC 3339 with trimmed nanoseconds). */
export const goRfc3339Nano = formatRfc3339Nano;

/** `Time.UnixNano()`. */
export function alertUnixNanos(text: string): bigint {
  return unixNanosOf(parseAlertTime(text));
}

/** `Time.UnixNano()` as decimal text. */
export function unixNanoText(text: string): string {
  return alertUnixNanos(text).toString();
}

/** `t.Add(seconds)` rendered as Go marshals a time. */
export function addSeconds(text: string, seconds: number): string {
  const time = parseAlertTime(text);
  return goRfc3339Nano({ ...time, seconds: time.seconds + seconds });
}

/** Go's zero `time.Time` as it marshals (AlertManager treats it as "unset"). */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';
