/**
 * Falco's renderings of an audit event's time (`stageTimestamp`, read by the one RFC 3339
 * parser in `../time`): always UTC and always nine fractional digits, unlike Go's trimmed
 * RFC3339Nano.
 */
import { civilTime, formatCivil, unixNanosOf, type UnixTime } from '../time';

/** The three renderings of one event time, computed together once per event. */
export interface TimeTexts {
  /** `2018-10-25T14:09:49.802437000Z`: the alert's `time`, nine digits as Falco writes them. */
  rfc3339: string;
  /** `14:09:49.802437000`: Falco's `evt.time` / `jevt.time` and the output prefix. */
  clock: string;
  /** `2018-10-25T14:09:49.802437000+0000`: `jevt.time.iso8601` / `evt.time.iso8601`. */
  iso8601: string;
}

export function formatTime(time: UnixTime): TimeTexts {
  const { date, clock: wholeSeconds } = formatCivil(civilTime(time));
  const clock = `${wholeSeconds}.${String(time.nanos).padStart(9, '0')}`;
  return { rfc3339: `${date}T${clock}Z`, clock, iso8601: `${date}T${clock}+0000` };
}

/** Nanoseconds since the epoch as decimal text (exceeds 2^53, so never a JS number). */
export function formatRawTime(time: UnixTime): string {
  return unixNanosOf(time).toString();
}
