import { PeregrineError } from '../common/errors';
import type { QueryParams } from './alert-filter';

/** Fields alerts can be counted by. */
export const GROUP_BY = ['priority', 'rule', 'source', 'hostname', 'cluster', 'namespace', 'tags'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

/** How `/api/v1/alerts/stats` groups: by which field, how many values, and which timeline. */
export interface StatsOptions {
  by: GroupBy;
  /** Keep only the N largest values in `results`. */
  top?: number;
  /** A timeline with buckets this wide (ms), or as wide as the filter's time range calls for. */
  bucket?: number | 'auto';
  /** For `auto` without an upper bound: the range ends now (or at the newest alert if later). */
  nowMs: number;
}

const BUCKET = /^(\d+)(s|m|h|d)$/;
const BUCKET_UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
export const MAX_TOP = 1000;
/** Ten years: wider buckets than that say nothing a single count does not. */
const MAX_BUCKET_MS = 3660 * 86_400_000;

export function parseStatsOptions(query: QueryParams, nowMs: number): StatsOptions {
  const options: StatsOptions = { by: groupBy(query['by']), nowMs };
  const top = query['top'];
  if (top !== undefined) {
    const n = Number(top);
    if (!Number.isInteger(n) || n < 1 || n > MAX_TOP) throw new PeregrineError('INVALID_FIELD', `query parameter top: a whole number from 1 to ${MAX_TOP}`);
    options.top = n;
  }
  const bucket = query['bucket'];
  if (bucket !== undefined) {
    if (options.by === 'tags') throw new PeregrineError('INVALID_FIELD', 'query parameter bucket: a timeline cannot be grouped by tags');
    options.bucket = bucket === 'auto' ? 'auto' : bucketMs(bucket);
  }
  return options;
}

function bucketMs(value: unknown): number {
  const match = typeof value === 'string' ? BUCKET.exec(value) : null;
  const ms = match ? Number(match[1]) * (BUCKET_UNIT_MS[match[2] ?? ''] ?? 0) : 0;
  if (!(ms >= 1000 && ms <= MAX_BUCKET_MS)) throw new PeregrineError('INVALID_FIELD', 'query parameter bucket: auto, or a duration from 1s to 3660d such as 30s, 5m, 1h or 1d');
  return ms;
}

export function groupBy(value: unknown): GroupBy {
  const by = typeof value === 'string' ? value : '';
  if (!(GROUP_BY as readonly string[]).includes(by)) throw new PeregrineError('INVALID_FIELD', `wrong Group By field: "${by}" (one of ${GROUP_BY.join(', ')})`);
  return by as GroupBy;
}

/** Round bucket widths a person reads at a glance, narrowest first. */
const NICE_BUCKETS_MS = [1, 5, 10, 30, 60, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800].map((s) => s * 1000);
export const MAX_AUTO_BUCKETS = 120;

/** The narrowest round width that splits `spanMs` into at most {@link MAX_AUTO_BUCKETS} buckets. */
export function autoBucketMs(spanMs: number): number {
  const fits = NICE_BUCKETS_MS.find((width) => spanMs / width <= MAX_AUTO_BUCKETS);
  if (fits !== undefined) return fits;
  const day = 86_400_000;
  return Math.ceil(spanMs / MAX_AUTO_BUCKETS / day) * day;
}
