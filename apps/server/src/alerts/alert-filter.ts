import { MAX_UNIX_NANOS, parsePriority, type Priority, priorityValue } from '@peregrine/engine';
import { PeregrineError } from '../common/errors';
import { instantFromRfc3339 } from '../common/time';

/** What a list, count or export of alerts is restricted to. Every part is optional; parts AND together. */
export interface AlertFilter {
  priorities?: Priority[];
  /** At least this priority. */
  minPriority?: Priority;
  rules?: string[];
  sources?: string[];
  hostnames?: string[];
  clusters?: string[];
  namespaces?: string[];
  /** Any of these tags. */
  tags?: string[];
  /** Free text over the output and the output fields (case-insensitive). */
  text?: string;
  /** Event time bounds, nanoseconds since the epoch, inclusive. */
  fromNs?: bigint;
  untilNs?: bigint;
}

export type QueryParams = Readonly<Record<string, string | string[] | undefined>>;

const UNITS: Readonly<Record<string, number>> = {
  s: 1, sec: 1, second: 1, seconds: 1,
  m: 60, min: 60, minute: 60, minutes: 60,
  h: 3600, hour: 3600, hours: 3600,
  d: 86_400, day: 86_400, days: 86_400,
  w: 604_800, week: 604_800, weeks: 604_800,
  M: 2_592_000, month: 2_592_000, months: 2_592_000,
  y: 31_536_000, year: 31_536_000, years: 31_536_000,
};

/**
 * Reads a filter from query parameters, in Peregrine's names and falcosidekick-ui's
 * (`priority`, `rule`, `source`, `hostname`, `tags` comma lists, `filter`, `since`; the literal
 * `null` means unset, as its frontend sends). Bad values are a coded 400 naming the parameter.
 */
export function parseAlertFilter(params: QueryParams, nowMs: number): AlertFilter {
  const filter: AlertFilter = {};
  const priorities = list(params, 'priority');
  if (priorities) {
    filter.priorities = priorities.map((text) => {
      const priority = parsePriority(text);
      if (!priority) throw invalid('priority', `"${text}" is not a Falco priority`);
      return priority;
    });
  }
  const min = single(params, 'min_priority');
  if (min !== undefined) {
    const priority = parsePriority(min);
    if (!priority) throw invalid('min_priority', `"${min}" is not a Falco priority`);
    filter.minPriority = priority;
  }
  const assign = (key: keyof AlertFilter & ('rules' | 'sources' | 'hostnames' | 'clusters' | 'namespaces' | 'tags'), param: string): void => {
    const values = list(params, param, param === 'rule' ? '\n' : ',');
    if (values) filter[key] = values;
  };
  assign('rules', 'rule');
  assign('sources', 'source');
  assign('hostnames', 'hostname');
  assign('clusters', 'cluster');
  assign('namespaces', 'namespace');
  assign('tags', 'tags');
  const text = single(params, 'q') ?? single(params, 'filter');
  if (text !== undefined) filter.text = text;

  const since = single(params, 'since');
  if (since !== undefined && since !== '0') filter.fromNs = BigInt(nowMs - relativeSeconds(since) * 1000) * 1_000_000n;
  const from = single(params, 'from');
  if (from !== undefined) filter.fromNs = absoluteNs('from', from);
  const until = single(params, 'until');
  if (until !== undefined) filter.untilNs = absoluteNs('until', until);
  return filter;
}

/** Numeric priorities a filter allows, for SQL. */
export function allowedPriorityValues(filter: AlertFilter): number[] | undefined {
  let values = filter.priorities?.map(priorityValue);
  if (filter.minPriority) {
    const min = priorityValue(filter.minPriority);
    values = (values ?? [1, 2, 3, 4, 5, 6, 7, 8]).filter((v) => v >= min);
  }
  return values;
}

function single(params: QueryParams, name: string): string | undefined {
  const raw = params[name];
  const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  if (value === undefined || value === '' || value === 'null') return undefined;
  return value;
}

function list(params: QueryParams, name: string, separator = ','): string[] | undefined {
  const raw = params[name];
  const values = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw])
    .flatMap((value) => (separator === '\n' ? [value] : value.split(separator)))
    .map((value) => value.trim())
    .filter((value) => value !== '' && value !== 'null');
  return values.length > 0 ? values : undefined;
}

function relativeSeconds(text: string): number {
  const match = /^(\d+)\s*([a-zA-Z]*)$/.exec(text.trim());
  const unit = match?.[2] ?? '';
  const factor = unit === '' ? 1 : UNITS[unit] ?? UNITS[unit.toLowerCase()];
  if (!match || factor === undefined) throw invalid('since', `"${text}" is not a relative time such as 15m, 24h, 7d or 3600`);
  const seconds = Number(match[1]) * factor;
  if (!(seconds <= MAX_RELATIVE_SECONDS)) throw invalid('since', `"${text.slice(0, 40)}" reaches back more than 100 years`);
  return seconds;
}

/** `since` reaches back at most this far: enough for any alert, small enough for exact arithmetic. */
const MAX_RELATIVE_SECONDS = 100 * 365 * 86_400;

/** Times are stored as signed 64-bit nanoseconds (up to the year 2262): a later bound is no bound. */
function absoluteNs(name: string, text: string): bigint {
  if (/^\d+$/.test(text)) return minBigInt(BigInt(text) * 1_000_000n, MAX_UNIX_NANOS);
  const instant = instantFromRfc3339(text);
  if (!instant) throw invalid(name, `"${text.slice(0, 64)}" is neither an RFC 3339 time nor milliseconds since the epoch`);
  return instant.ns < 0n ? 0n : minBigInt(instant.ns, MAX_UNIX_NANOS);
}

function minBigInt(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function invalid(parameter: string, reason: string): PeregrineError {
  return new PeregrineError('INVALID_FIELD', `query parameter ${parameter}: ${reason}`);
}
