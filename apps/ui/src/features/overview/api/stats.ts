import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { type AlertFilters, filtersToSearch } from '../../../lib/alerts/filters';
import { fetchAlertStats } from '../../../lib/alerts/stats';
import { namesTimeRange, withoutRange } from '../../../lib/alerts/time-range';
import type { AlertStats } from '../../../lib/api/types';
import { messageOf } from '../../../lib/errors';
import { useLiveAlerts } from '../../../lib/live';

export interface Overview {
  byPriority: AlertStats;
  bySource: AlertStats;
  topRules: AlertStats;
  topNamespaces: AlertStats;
  topHostnames: AlertStats;
  topClusters: AlertStats;
  /** The filter's alerts over all time, to show beside the window's count. */
  allTimeTotal: number;
}

const TOP = 10;
/**
 * Pushed alerts refresh the overview at most this often (the server does the counting), and
 * never more often than ten times what the last refresh took, so a large store under a storm of
 * alerts is not kept busy by the dashboards watching it.
 */
const LIVE_REFRESH_MS = 5_000;
const REFRESH_COST_FACTOR = 10;

const overviewKeys = {
  all: ['overview'] as const,
  of: (filters: AlertFilters) => ['overview', filtersToSearch(filters).toString()] as const,
};

/** The overview of resolved filters (the page's default window already applied). */
export async function fetchOverview(filters: AlertFilters, signal: AbortSignal): Promise<Overview> {
  const top = { top: String(TOP) };
  const bounded = namesTimeRange(filters);
  const [byPriority, bySource, topRules, topNamespaces, topHostnames, topClusters, allTime] = await Promise.all([
    fetchAlertStats(filters, 'priority', { bucket: 'auto' }, signal),
    fetchAlertStats(filters, 'source', { bucket: 'auto' }, signal),
    fetchAlertStats(filters, 'rule', top, signal),
    fetchAlertStats(filters, 'namespace', top, signal),
    fetchAlertStats(filters, 'hostname', top, signal),
    fetchAlertStats(filters, 'cluster', top, signal),
    // Without a window the priority counts already are the all-time total.
    bounded ? fetchAlertStats(withoutRange(filters), 'priority', {}, signal) : undefined,
  ]);
  return { byPriority, bySource, topRules, topNamespaces, topHostnames, topClusters, allTimeTotal: (allTime ?? byPriority).total };
}

/**
 * The overview's numbers for a filter, counted and bucketed on the server. Alerts pushed over
 * socket.io mark it out of date (at most every few seconds), which refetches it, so nothing polls.
 */
export function useOverview(filters: AlertFilters): { overview: Overview | undefined; error: string | undefined; loading: boolean } {
  const queryClient = useQueryClient();
  const lastFetchMs = useRef(0);
  const query = useQuery({
    queryKey: overviewKeys.of(filters),
    queryFn: async ({ signal }) => {
      const started = performance.now();
      const overview = await fetchOverview(filters, signal);
      lastFetchMs.current = performance.now() - started;
      return overview;
    },
    // Another filter: the charts shown stay until the new numbers arrive.
    placeholderData: keepPreviousData,
  });

  const refreshTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useLiveAlerts(() => {
    refreshTimer.current ??= setTimeout(
      () => {
        refreshTimer.current = undefined;
        void queryClient.invalidateQueries({ queryKey: overviewKeys.all });
      },
      Math.max(LIVE_REFRESH_MS, lastFetchMs.current * REFRESH_COST_FACTOR),
    );
  });
  useEffect(() => () => clearTimeout(refreshTimer.current), []);

  return { overview: query.data, error: query.error ? messageOf(query.error) : undefined, loading: query.isFetching };
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
