/**
 * Audit event time: `stageTimestamp`, RFC 3339 with up to nine fractional digits, as the
 * k8saudit plugin reads it (Go's time.RFC3339Nano). Kept as whole seconds plus nanoseconds so
 * nothing is lost to floating point; rendered in UTC.
 */
export interface EventTime {
  /** Seconds since the Unix epoch (UTC). */
  seconds: number;
  /** 0 … 999 999 999. */
  nanos: number;
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

/** The inverse: year, month (1-12), day of a day count since 1970-01-01. */
function civilFromDays(days: number): [number, number, number] {
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

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Reads `count` digits at `at`; -1 when any is not a digit. */
function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, read by position (every audit event goes through
 * here, so no RegExp and no Date object).
 */
export function parseRfc3339(text: string): EventTime | undefined {
  if (text.length < 20 || text.length > 40) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  const t = text.charCodeAt(10);
  if (text[4] !== '-' || text[7] !== '-' || (t !== 84 && t !== 116) || text[13] !== ':' || text[16] !== ':') return undefined;
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return undefined;
  if (day > daysInMonth(year, month)) return undefined;
  let at = 19;
  let nanos = 0;
  if (text[at] === '.') {
    const start = ++at;
    while (at < text.length && at - start < 9 && text.charCodeAt(at) >= 48 && text.charCodeAt(at) <= 57) nanos = nanos * 10 + (text.charCodeAt(at++) - 48);
    if (at === start) return undefined;
    for (let k = at - start; k < 9; k++) nanos *= 10;
  }
  let offset = 0;
  const zone = text[at];
  if ((zone === 'Z' || zone === 'z') && at + 1 === text.length) offset = 0;
  else if ((zone === '+' || zone === '-') && at + 6 === text.length && text[at + 3] === ':') {
    const oh = digits(text, at + 1, 2);
    const om = digits(text, at + 4, 2);
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return undefined;
    offset = (oh * 60 + om) * 60 * (zone === '+' ? 1 : -1);
  } else return undefined;
  const seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
  return { seconds, nanos };
}

/**
 * Falco's event times are 64-bit nanoseconds since the epoch, and so are Peregrine's stored
 * ones: 1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z. Go parses years
 * 0000-9999, but a time outside this range has no evt.time (and formats as a negative year).
 */
export const NANOSECOND_TIME_RANGE = '1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z';

export function isWithinNanosecondRange(time: EventTime): boolean {
  // -2^63 ns = -9223372037 s + 145224192 ns; 2^63 - 1 ns = 9223372036 s + 854775807 ns (exact as numbers).
  if (time.seconds < -9_223_372_037 || (time.seconds === -9_223_372_037 && time.nanos < 145_224_192)) return false;
  return time.seconds < 9_223_372_036 || (time.seconds === 9_223_372_036 && time.nanos <= 854_775_807);
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function utcParts(time: EventTime): { date: string; clock: string } {
  const days = Math.floor(time.seconds / 86400);
  const rest = time.seconds - days * 86400;
  const [year, month, day] = civilFromDays(days);
  const hour = Math.floor(rest / 3600);
  const minute = Math.floor((rest % 3600) / 60);
  return {
    date: `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`,
    clock: `${pad(hour, 2)}:${pad(minute, 2)}:${pad(rest % 60, 2)}.${pad(time.nanos, 9)}`,
  };
}

/** The three renderings of one event time, computed together once per event. */
export interface TimeTexts {
  /** `2018-10-25T14:09:49.802437000Z`: the alert's `time`, nine digits as Falco writes them. */
  rfc3339: string;
  /** `14:09:49.802437000`: Falco's `evt.time` / `jevt.time` and the output prefix. */
  clock: string;
  /** `2018-10-25T14:09:49.802437000+0000`: `jevt.time.iso8601` / `evt.time.iso8601`. */
  iso8601: string;
}

export function formatTime(time: EventTime): TimeTexts {
  const { date, clock } = utcParts(time);
  return { rfc3339: `${date}T${clock}Z`, clock, iso8601: `${date}T${clock}+0000` };
}

/** Nanoseconds since the epoch as decimal text (exceeds 2^53, so never a JS number). */
export function formatRawTime(time: EventTime): string {
  return (BigInt(time.seconds) * 1_000_000_000n + BigInt(time.nanos)).toString();
}
