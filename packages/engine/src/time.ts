/**
 * RFC 3339 date-times as Falco's Go side reads them: the one parser of Peregrine. Audit events'
 * `stageTimestamp` (the k8saudit plugin's `time.Parse(time.RFC3339Nano, …)`), Falco alerts'
 * `time` (falcosidekick's `json.Unmarshal` into a `time.Time`), the read API's time bounds and
 * the outputs' Go renderings all come through here.
 *
 * It accepts exactly what Go's strict RFC 3339 reader accepts (`time.parseRFC3339`):
 * `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` with an upper-case `T` and `Z`, years 0000-9999,
 * real calendar days, hours 00-23, minutes and seconds 00-59 (no leap second), offsets up to
 * ±23:59, and a fraction of any length of which the first nine digits count (Go truncates the
 * rest, it does not round). Go's lenient fallback (one-digit hours, `,` as the decimal mark,
 * offsets of 24 hours) is a known bug it keeps only for compatibility (golang/go#54580).
 *
 * A time is kept as whole seconds plus nanoseconds, both exact JavaScript numbers, so nothing
 * is lost to floating point and the hot path (every audit event) needs no BigInt, RegExp or Date.
 */

/** An instant: whole seconds since the Unix epoch (UTC) and the nanoseconds within that second. */
export interface UnixTime {
  readonly seconds: number;
  /** 0 … 999 999 999. */
  readonly nanos: number;
}

/** A parsed RFC 3339 text: the instant and the zone offset it was written in. */
export interface Rfc3339Time extends UnixTime {
  /**
   * Minutes east of UTC as written (`+02:00` is 120); `undefined` for `Z`. Go keeps the
   * difference: `Z` is its UTC location, a numeric offset a fixed zone, which some renderings show.
   */
  readonly offsetMinutes: number | undefined;
}

const SECONDS_PER_DAY = 86_400;
const NANOS_PER_SECOND = 1_000_000_000n;

const DIGIT_0 = 48;
const DIGIT_9 = 57;
const DASH = 45;
const PLUS = 43;
const COLON = 58;
const DOT = 46;
const UPPER_T = 84;
const UPPER_Z = 90;

function isDigit(code: number): boolean {
  return code >= DIGIT_0 && code <= DIGIT_9;
}

/** The number written by `count` digits at `at`; -1 when any of them is not a digit. */
function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) return -1;
    value = value * 10 + (code - DIGIT_0);
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The inverse: [year, month (1-12), day] of a day count since 1970-01-01. */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

/** Reads an RFC 3339 date-time as Go does (see the top of this file); `undefined` when Go refuses it. */
export function parseRfc3339(text: string): Rfc3339Time | undefined {
  if (text.length < 20) return undefined;
  if (text.charCodeAt(4) !== DASH || text.charCodeAt(7) !== DASH || text.charCodeAt(10) !== UPPER_T || text.charCodeAt(13) !== COLON || text.charCodeAt(16) !== COLON) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;

  let at = 19;
  let nanos = 0;
  // A '.' counts as a fraction only with a digit after it (Go's rule), so "…:49.Z" is refused below.
  if (text.charCodeAt(at) === DOT && isDigit(text.charCodeAt(at + 1))) {
    const start = ++at;
    for (; at < text.length && isDigit(text.charCodeAt(at)); at++) {
      if (at - start < 9) nanos = nanos * 10 + (text.charCodeAt(at) - DIGIT_0);
    }
    for (let written = Math.min(at - start, 9); written < 9; written++) nanos *= 10;
  }

  let offsetMinutes: number | undefined;
  const zone = text.charCodeAt(at);
  if (zone === UPPER_Z && at + 1 === text.length) offsetMinutes = undefined;
  else if ((zone === PLUS || zone === DASH) && at + 6 === text.length && text.charCodeAt(at + 3) === COLON) {
    const offsetHours = digits(text, at + 1, 2);
    const offsetRest = digits(text, at + 4, 2);
    if (offsetHours < 0 || offsetRest < 0 || offsetHours > 23 || offsetRest > 59) return undefined;
    const magnitude = offsetHours * 60 + offsetRest;
    // `-00:00` is the same zero offset as `+00:00` (and never a JavaScript -0).
    offsetMinutes = zone === DASH && magnitude !== 0 ? -magnitude : magnitude;
  } else return undefined;

  const seconds = daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second - (offsetMinutes ?? 0) * 60;
  return { seconds, nanos, offsetMinutes };
}

/** Nanoseconds since the epoch (they exceed 2^53, hence a bigint). */
export function unixNanosOf(time: UnixTime): bigint {
  return BigInt(time.seconds) * NANOS_PER_SECOND + BigInt(time.nanos);
}

/** The instant of a nanosecond count, the fraction always positive (as Go's `time.Unix(0, ns)`). */
export function unixTimeFromNanos(ns: bigint): UnixTime {
  const perSecond = NANOS_PER_SECOND;
  let seconds = ns / perSecond;
  let nanos = ns % perSecond;
  if (nanos < 0n) {
    nanos += perSecond;
    seconds -= 1n;
  }
  return { seconds: Number(seconds), nanos: Number(nanos) };
}

/**
 * Falco's event times are 64-bit nanoseconds since the epoch, and so are Peregrine's stored
 * ones (an int64 column). Go parses years 0000-9999, but a time outside this range has no
 * `evt.time` and PostgreSQL could not index it, so audit events and alerts outside it are refused.
 */
export const MIN_UNIX_NANOS = -(2n ** 63n);
export const MAX_UNIX_NANOS = 2n ** 63n - 1n;
export const NANOSECOND_TIME_RANGE = '1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z';

export function isWithinNanosecondRange(time: UnixTime): boolean {
  // -2^63 ns = -9223372037 s + 145224192 ns; 2^63 - 1 ns = 9223372036 s + 854775807 ns (exact as numbers, no BigInt per event).
  if (time.seconds < -9_223_372_037 || (time.seconds === -9_223_372_037 && time.nanos < 145_224_192)) return false;
  return time.seconds < 9_223_372_036 || (time.seconds === 9_223_372_036 && time.nanos <= 854_775_807);
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** `±HH:MM`, or `±HHMM` without the colon (Go's `-07:00` and `-0700`). */
export function formatOffset(offsetMinutes: number, withColon: boolean): string {
  const magnitude = Math.abs(offsetMinutes);
  return `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(magnitude / 60), 2)}${withColon ? ':' : ''}${pad(magnitude % 60, 2)}`;
}

/** The wall clock of an instant in a zone: date, time of day and the nanoseconds. */
export interface CivilTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly nanos: number;
}

export function civilTime(time: UnixTime, offsetMinutes = 0): CivilTime {
  const local = time.seconds + offsetMinutes * 60;
  const days = Math.floor(local / SECONDS_PER_DAY);
  const rest = local - days * SECONDS_PER_DAY;
  const [year, month, day] = civilFromDays(days);
  return { year, month, day, hour: Math.floor(rest / 3600), minute: Math.floor((rest % 3600) / 60), second: rest % 60, nanos: time.nanos };
}

/** `2006-01-02` and `15:04:05` of a wall clock. */
export function formatCivil(civil: CivilTime): { date: string; clock: string } {
  return { date: `${pad(civil.year, 4)}-${pad(civil.month, 2)}-${pad(civil.day, 2)}`, clock: `${pad(civil.hour, 2)}:${pad(civil.minute, 2)}:${pad(civil.second, 2)}` };
}

/** `.123` of Go's `.999999999`: the nanoseconds without trailing zeros, nothing for a whole second. */
export function trimmedFraction(nanos: number): string {
  return nanos === 0 ? '' : `.${pad(nanos, 9).replace(/0+$/, '')}`;
}

/**
 * Go's `time.RFC3339Nano` rendering (`Time.MarshalJSON`, falcosidekick's alert `time`): the wall
 * clock in the zone the time was written in, the fraction trimmed of trailing zeros, and `Z`
 * for a zero offset (Go writes `Z` for any zero offset, `+00:00` included).
 */
export function formatRfc3339Nano(time: UnixTime & { readonly offsetMinutes?: number | undefined }): string {
  const offsetMinutes = time.offsetMinutes ?? 0;
  const { date, clock } = formatCivil(civilTime(time, offsetMinutes));
  return `${date}T${clock}${trimmedFraction(time.nanos)}${offsetMinutes === 0 ? 'Z' : formatOffset(offsetMinutes, true)}`;
}
