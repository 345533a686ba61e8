/**
 * RFC 3339 timestamps with nanosecond precision. `Date` keeps milliseconds only, so the
 * instant is carried as a bigint of nanoseconds since the Unix epoch.
 */
export interface Instant {
  /** Nanoseconds since 1970-01-01T00:00:00Z. */
  readonly ns: bigint;
  /** UTC, RFC 3339, fraction trimmed of trailing zeros (Go's RFC3339Nano, as falcosidekick writes it). */
  readonly text: string;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/;

/** Returns undefined when the text is not a valid RFC 3339 date-time (as Go's time.Parse). */
export function parseRfc3339(text: string): Instant | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const zh = Number(zone.slice(1, 3));
    const zm = Number(zone.slice(4, 6));
    if (zh > 23 || zm > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (zh * 60 + zm);
  }
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 onto 1900–1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const epochSeconds = date.getTime() / 1000 - offsetMinutes * 60;
  // Go keeps nine digits and ignores the rest.
  const nanos = BigInt((fraction + '000000000').slice(0, 9));
  const ns = BigInt(epochSeconds) * 1_000_000_000n + nanos;
  const canonical = formatRfc3339Nano(ns);
  if (canonical === GO_ZERO_TIME) return undefined;
  return { ns, text: canonical };
}

/**
 * Event times are stored as signed 64-bit nanoseconds since the epoch, as Falco's `evt.time`
 * (an int64 column in SQLite and PostgreSQL). Go parses years 0000-9999; an alert outside this
 * range is refused at ingest, since PostgreSQL would refuse to index it (and every alert after it).
 */
export const MIN_EVENT_NS = -(2n ** 63n);
export const MAX_EVENT_NS = 2n ** 63n - 1n;
export const EVENT_TIME_RANGE = '1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z';

export function isStorableEventTime(instant: Instant): boolean {
  return instant.ns >= MIN_EVENT_NS && instant.ns <= MAX_EVENT_NS;
}

/** Go's zero time.Time, which falcosidekick's check treats as "no time". */
const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

export function formatRfc3339Nano(ns: bigint): string {
  const seconds = ns / 1_000_000_000n;
  let nanos = ns % 1_000_000_000n;
  let wholeSeconds = seconds;
  if (nanos < 0n) {
    nanos += 1_000_000_000n;
    wholeSeconds -= 1n;
  }
  const date = new Date(Number(wholeSeconds) * 1000);
  const base = date.toISOString().replace(/\.\d{3}Z$/, '');
  const fraction = nanos === 0n ? '' : '.' + nanos.toString().padStart(9, '0').replace(/0+$/, '');
  return `${base}${fraction}Z`;
}

/** `HH:MM:SS.nnnnnnnnn`, the prefix Falco puts in front of every output line. */
export function formatClockNano(ns: bigint): string {
  const text = formatRfc3339Nano(ns);
  const nanos = ((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
  return `${text.slice(11, 19)}.${nanos.toString().padStart(9, '0')}`;
}

export function nowInstant(clock: () => number = Date.now): Instant {
  const ns = BigInt(clock()) * 1_000_000n;
  return { ns, text: formatRfc3339Nano(ns) };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
