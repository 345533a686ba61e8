import { useEffect, useMemo, useRef, useState } from 'react';
import { getJson } from '../../../lib/http';
import { messageOf, useLiveAlerts } from '../../alerts/api/alerts';
import { type AlertFilters, filtersToSearch } from '../../alerts/filters';

export interface TimelineBucket {
  start: string;
  counts: Record<string, number>;
}

/** `GET /api/v1/alerts/stats` (see README, Endpoints). */
export interface AlertStats {
  by: string;
  results: Record<string, number>;
  total: number;
  timeline?: TimelineBucket[];
  bucketMs?: number;
  from?: string;
  until?: string;
}

export interface Overview {
  byPriority: AlertStats;
  bySource: AlertStats;
  topRules: AlertStats;
  topNamespaces: AlertStats;
  topHostnames: AlertStats;
  topClusters: AlertStats;
}

const TOP = 10;
/**
 * Pushed alerts refresh the overview at most this often (the server does the counting), and
 * never more often than ten times what the last refresh took, so a large store under a storm of
 * alerts is not kept busy by the dashboards watching it.
 */
const LIVE_REFRESH_MS = 5_000;
const REFRESH_COST_FACTOR = 10;

function statsUrl(filters: AlertFilters, by: string, extra: Record<string, string>): string {
  const search = filtersToSearch(filters);
  search.set('by', by);
  for (const [key, value] of Object.entries(extra)) search.set(key, value);
  return `api/v1/alerts/stats?${search.toString()}`;
}

export async function fetchOverview(filters: AlertFilters, signal: AbortSignal): Promise<Overview> {
  const get = (by: string, extra: Record<string, string>): Promise<AlertStats> => getJson<AlertStats>(statsUrl(filters, by, extra), signal);
  const [byPriority, bySource, topRules, topNamespaces, topHostnames, topClusters] = await Promise.all([
    get('priority', { bucket: 'auto' }),
    get('source', { bucket: 'auto' }),
    get('rule', { top: String(TOP) }),
    get('namespace', { top: String(TOP) }),
    get('hostname', { top: String(TOP) }),
    get('cluster', { top: String(TOP) }),
  ]);
  return { byPriority, bySource, topRules, topNamespaces, topHostnames, topClusters };
}

/**
 * The overview's numbers for a filter, counted and bucketed on the server. Alerts pushed over
 * socket.io trigger a refresh (at most every few seconds), so nothing polls.
 */
export function useOverview(filters: AlertFilters): { overview: Overview | undefined; error: string | undefined; loading: boolean } {
  const key = useMemo(() => filtersToSearch(filters).toString(), [filters]);
  const [overview, setOverview] = useState<Overview>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const lastFetchMs = useRef(0);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    const started = performance.now();
    fetchOverview(filtersRef.current, controller.signal)
      .then((result) => {
        lastFetchMs.current = performance.now() - started;
        setOverview(result);
        setError(undefined);
      })
      .catch((err: unknown) => {
        if (!controller.signal.aborted) setError(messageOf(err));
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [key, generation]);

  useLiveAlerts(() => {
    refreshTimer.current ??= setTimeout(() => {
      refreshTimer.current = undefined;
      setGeneration((g) => g + 1);
    }, Math.max(LIVE_REFRESH_MS, lastFetchMs.current * REFRESH_COST_FACTOR));
  });
  useEffect(() => () => clearTimeout(refreshTimer.current), []);

  return { overview, error, loading };
}

/** One point per bucket across the whole range, empty buckets included (zero counts). */
export interface TimelinePoint {
  startMs: number;
  [series: string]: number;
}

/**
 * The server omits empty buckets; a chart needs them to show quiet periods as quiet. Fills
 * every bucket from the range's first to its last (or the data's, without a range).
 */
export function fillTimeline(stats: Pick<AlertStats, 'timeline' | 'bucketMs' | 'from' | 'until'>): { points: TimelinePoint[]; series: string[] } {
  const timeline = stats.timeline ?? [];
  const bucketMs = stats.bucketMs;
  const series = [...new Set(timeline.flatMap((bucket) => Object.keys(bucket.counts)))];
  if (!bucketMs || timeline.length === 0) return { points: [], series };
  const byStart = new Map(timeline.map((bucket) => [Date.parse(bucket.start), bucket.counts]));
  const starts = [...byStart.keys()];
  const align = (ms: number): number => Math.floor(ms / bucketMs) * bucketMs;
  const first = align(stats.from ? Math.min(Date.parse(stats.from), ...starts) : Math.min(...starts));
  const last = align(stats.until ? Math.max(Date.parse(stats.until), ...starts) : Math.max(...starts));
  const points: TimelinePoint[] = [];
  for (let start = first; start <= last; start += bucketMs) {
    const counts = byStart.get(start) ?? {};
    // Series are rule names, host names…: a rule called `constructor` must not read Object's own members.
    const point = Object.create(null) as TimelinePoint;
    point.startMs = start;
    for (const name of series) point[name] = Object.hasOwn(counts, name) ? (counts[name] ?? 0) : 0;
    points.push(point);
  }
  return { points, series };
}
