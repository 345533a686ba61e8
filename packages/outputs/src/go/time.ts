/**
 * The few Go `time.Time` renderings falcosidekick puts on the wire, computed from the alert's
 * RFC 3339 text with integer arithmetic so nanoseconds are never rounded through a float.
 */

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:\d{2})$/;

export interface GoTime {
  /** Nanoseconds since the Unix epoch (UTC). */
  readonly unixNanos: bigint;
  /** Offset of the zone the time was written in, in minutes; `undefined` for `Z` (Go's UTC location). */
  readonly offsetMinutes: number | undefined;
}

const NANOS_PER_SECOND = 1_000_000_000n;

export function parseRfc3339(text: string): GoTime {
  const m = RFC3339.exec(text);
  if (!m) throw new Error(`not an RFC 3339 time: ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s, frac = '', zone = 'Z'] = m;
  const wallSeconds = BigInt(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000);
  // Date.UTC maps years 0–99 to 1900+; Go's zero time is year 1, so correct those explicitly.
  const yearFix = Number(y) < 100 ? BigInt(yearShiftSeconds(Number(y))) : 0n;
  let offsetMinutes: number | undefined;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    offsetMinutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  }
  const nanos = BigInt(frac.padEnd(9, '0') || '0');
  const utcSeconds = wallSeconds + yearFix - BigInt((offsetMinutes ?? 0) * 60);
  return { unixNanos: utcSeconds * NANOS_PER_SECOND + nanos, offsetMinutes };
}

function yearShiftSeconds(year: number): number {
  const viaDateUtc = Date.UTC(year, 0, 1) / 1000;
  const date = new Date(0);
  date.setUTCFullYear(year, 0, 1);
  date.setUTCHours(0, 0, 0, 0);
  return date.getTime() / 1000 - viaDateUtc;
}

interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanos: bigint;
}

function civil(t: GoTime): Civil {
  const local = t.unixNanos + BigInt((t.offsetMinutes ?? 0) * 60) * NANOS_PER_SECOND;
  let seconds = local / NANOS_PER_SECOND;
  let nanos = local % NANOS_PER_SECOND;
  if (nanos < 0n) {
    nanos += NANOS_PER_SECOND;
    seconds -= 1n;
  }
  const date = new Date(Number(seconds) * 1000);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    nanos,
  };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function trimmedFraction(nanos: bigint): string {
  if (nanos === 0n) return '';
  return `.${nanos.toString().padStart(9, '0').replace(/0+$/, '')}`;
}

function offsetText(offsetMinutes: number, withColon: boolean): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${sign}${pad(Math.floor(abs / 60))}${withColon ? ':' : ''}${pad(abs % 60)}`;
}

/**
 * Go's `Time.String()` for a time decoded from JSON: `2006-01-02 15:04:05.999999999 -0700 MST`.
 * A `Z` time is in Go's UTC location (`+0000 UTC`); a numeric offset becomes an unnamed fixed
 * zone, which Go prints as the offset twice (`+0200 +0200`).
 */
export function goTimeString(text: string): string {
  const t = parseRfc3339(text);
  const c = civil(t);
  const zone = t.offsetMinutes === undefined ? '+0000 UTC' : `${offsetText(t.offsetMinutes, false)} ${offsetText(t.offsetMinutes, false)}`;
  return `${pad(c.year, 4)}-${pad(c.month)}-${pad(c.day)} ${pad(c.hour)}:${pad(c.minute)}:${pad(c.second)}${trimmedFraction(c.nanos)} ${zone}`;
}

/** Go's `Time.MarshalJSON` text (RFC 3339 with trimmed nanoseconds). */
export function goRfc3339Nano(t: GoTime): string {
  const c = civil(t);
  const zone = t.offsetMinutes === undefined ? 'Z' : offsetText(t.offsetMinutes, true);
  return `${pad(c.year, 4)}-${pad(c.month)}-${pad(c.day)}T${pad(c.hour)}:${pad(c.minute)}:${pad(c.second)}${trimmedFraction(c.nanos)}${zone}`;
}

/** `Time.UnixNano()` as decimal text. */
export function unixNanoText(text: string): string {
  return parseRfc3339(text).unixNanos.toString();
}

/** `t.Add(seconds)` rendered as Go marshals a time. */
export function addSeconds(text: string, seconds: number): string {
  const t = parseRfc3339(text);
  return goRfc3339Nano({ unixNanos: t.unixNanos + BigInt(seconds) * NANOS_PER_SECOND, offsetMinutes: t.offsetMinutes });
}

/** Go's zero `time.Time` as it marshals (AlertManager treats it as "unset"). */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';
