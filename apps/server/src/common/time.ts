/**
 * How the server carries a time: a bigint of nanoseconds since the epoch (the stored int64;
 * `Date` keeps milliseconds only) with its UTC text. Reading RFC 3339 is the engine's one
 * parser (`parseRfc3339` in @peregrine/engine); this module only shapes its answer.
 */
import { formatRfc3339Nano, parseRfc3339, unixNanosOf, unixTimeFromNanos, type UnixTime } from '@peregrine/engine';

export interface Instant {
  /** Nanoseconds since 1970-01-01T00:00:00Z. */
  readonly ns: bigint;
  /** UTC, RFC 3339, fraction trimmed of trailing zeros (Go's RFC3339Nano, as falcosidekick writes it). */
  readonly text: string;
}

/** An instant in the server's shape; its text is normalised to UTC whatever offset it was read with. */
export function toInstant(time: UnixTime): Instant {
  return { ns: unixNanosOf(time), text: formatRfc3339Nano({ seconds: time.seconds, nanos: time.nanos }) };
}

/** An RFC 3339 text as an instant; undefined when the parser refuses it (as Go's time.Parse would). */
export function instantFromRfc3339(text: string): Instant | undefined {
  const time = parseRfc3339(text);
  return time && toInstant(time);
}

export function nowInstant(clock: () => number = Date.now): Instant {
  return toInstant(unixTimeFromNanos(BigInt(clock()) * 1_000_000n));
}
