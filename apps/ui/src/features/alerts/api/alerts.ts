import { keepPreviousData, type QueryClient, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { type AlertFilters, filtersToSearch, matchesFilters } from '../../../lib/alerts/filters';
import type { Alert, AlertPage } from '../../../lib/api/types';
import { messageOf } from '../../../lib/errors';
import { getText } from '../../../lib/http';
import { parseJsonExact } from '../../../lib/json-text';
import { onLiveAlert } from '../../../lib/live';
import { type AlertPages, firstPageOnly, firstPageWithArrivals } from './alert-pages';

export const PAGE_SIZE = 500;

/** The query keys of this feature: lists by their filter's URL query, alerts by uuid. */
export const alertKeys = {
  list: (filters: AlertFilters) => ['alerts', 'list', filtersToSearch(filters).toString()] as const,
  detail: (uuid: string) => ['alerts', 'detail', uuid] as const,
  rulesInForce: ['alerts', 'rules-in-force'] as const,
};

export function fetchAlertPage(filters: AlertFilters, cursor: string | undefined, signal?: AbortSignal): Promise<AlertPage> {
  const search = filtersToSearch(filters);
  search.set('limit', String(PAGE_SIZE));
  if (cursor) search.set('cursor', cursor);
  // As text: int64 field values (evt.time) keep their digits in chips and free-text filters.
  return getText(`api/v1/alerts?${search.toString()}`, signal).then((text) => parseJsonExact<AlertPage>(text));
}

/**
 * The first page of a list, with the matching alerts pushed while it was on its way merged in
 * (the server may have read the page before they were stored).
 */
async function fetchFirstPage(filters: AlertFilters, signal: AbortSignal): Promise<AlertPage> {
  const arrivals: Alert[] = [];
  const stop = onLiveAlert((alert) => {
    if (matchesFilters(alert, filters, Date.now())) arrivals.unshift(alert);
  });
  try {
    return firstPageWithArrivals(await fetchAlertPage(filters, undefined, signal), arrivals);
  } finally {
    stop();
  }
}

/**
 * The pages of a filter's alerts, newest event time first, older pages fetched on demand by
 * cursor. Pushed alerts are merged into the cached pages (see `useAlertList`), so the list is
 * never refetched behind the reader's back: it is fresh until a reload, and dropped as soon as
 * no page shows it (pushes are not applied to a list nobody watches).
 */
export function useAlertPages(filters: AlertFilters) {
  return useInfiniteQuery({
    queryKey: alertKeys.list(filters),
    queryFn: ({ pageParam, signal }) => (pageParam === undefined ? fetchFirstPage(filters, signal) : fetchAlertPage(filters, pageParam, signal)),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    staleTime: Infinity,
    gcTime: 0,
    // Thousands of rows per push: comparing them costs more than re-rendering does.
    structuralSharing: false,
    // Another filter: the rows shown stay until the new ones arrive.
    placeholderData: keepPreviousData,
  });
}

/** The cached pages of a filter's list; undefined while its first page is on its way. */
export function cachedAlertPages(queryClient: QueryClient, filters: AlertFilters): AlertPages | undefined {
  return queryClient.getQueryData<AlertPages>(alertKeys.list(filters));
}

export function setCachedAlertPages(queryClient: QueryClient, filters: AlertFilters, pages: AlertPages): void {
  queryClient.setQueryData<AlertPages>(alertKeys.list(filters), pages);
}

/**
 * Whether an older page is on its way. It will be appended to the pages as they were when it was
 * asked for, so pushed alerts merged meanwhile would be lost: they wait for it.
 */
export function isFetchingOlderAlerts(queryClient: QueryClient, filters: AlertFilters): boolean {
  const state = queryClient.getQueryState(alertKeys.list(filters));
  return state?.fetchStatus === 'fetching' && state.fetchMeta?.fetchMore?.direction === 'forward';
}

/** Starts a list over from its first page (a reload refetches every cached page otherwise). */
export async function restartAlertList(queryClient: QueryClient, filters: AlertFilters): Promise<void> {
  const queryKey = alertKeys.list(filters);
  await queryClient.cancelQueries({ queryKey, exact: true });
  queryClient.setQueryData<AlertPages>(queryKey, (pages) => (pages ? firstPageOnly(pages) : pages));
  await queryClient.refetchQueries({ queryKey, exact: true });
}

/** Export links for the current filter (streamed by the server, no row ceiling). */
export function exportUrl(filters: AlertFilters, format: 'json' | 'csv'): string {
  const search = filtersToSearch(filters);
  search.set('format', format);
  return `api/v1/alerts/export?${search.toString()}`;
}

export interface AlertDetailState {
  alert: Alert | undefined;
  /** The alert's JSON exactly as the server sent it. */
  raw: string | undefined;
  error: string | undefined;
  loading: boolean;
}

/** One alert, parsed exactly, and its JSON text as sent (to show and copy with int64 digits intact). */
export function useAlertDetail(uuid: string): AlertDetailState {
  const query = useQuery({
    queryKey: alertKeys.detail(uuid),
    queryFn: async ({ signal }) => {
      const raw = await getText(`api/v1/alerts/${encodeURIComponent(uuid)}`, signal);
      return { alert: parseJsonExact<Alert>(raw), raw };
    },
    // Opening another alert: the one shown stays until the next arrives.
    placeholderData: keepPreviousData,
  });
  return { alert: query.data?.alert, raw: query.data?.raw, error: query.error ? messageOf(query.error) : undefined, loading: query.isFetching };
}
