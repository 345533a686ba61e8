import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { AlertStats, GroupBy } from '../api/types';
import { getJson } from '../http';
import { type AlertFilters, filtersToSearch, type ListFilter } from './filters';

/** The stats URL of a filter (`GET /api/v1/alerts/stats`): counts `by` one field, with extra parameters such as `top` or `bucket`. */
export function alertStatsUrl(filters: AlertFilters, by: GroupBy, extra: Readonly<Record<string, string>> = {}): string {
  const search = filtersToSearch(filters);
  search.set('by', by);
  for (const [key, value] of Object.entries(extra)) search.set(key, value);
  return `api/v1/alerts/stats?${search.toString()}`;
}

export function fetchAlertStats(filters: AlertFilters, by: GroupBy, extra: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<AlertStats> {
  return getJson<AlertStats>(alertStatsUrl(filters, by, extra), signal);
}

/** How many values of a field the filter bar suggests. */
const SUGGESTED_VALUES = 50;

/**
 * The values of `field` in the alerts the filter shows, most frequent first, to suggest while a
 * filter value is typed. Suggestions are a convenience: a failure suggests nothing.
 */
export function useFieldValueSuggestions(filters: AlertFilters, field: ListFilter): string[] {
  const query = useQuery({
    queryKey: ['alert-stats', 'suggestions', field, filtersToSearch(filters).toString()],
    queryFn: ({ signal }) => fetchAlertStats(filters, field, { top: String(SUGGESTED_VALUES) }, signal),
    select: (stats) => Object.keys(stats.results),
    // The previous field's or filter's values stay offered until the new ones arrive.
    placeholderData: keepPreviousData,
  });
  return query.isError ? [] : (query.data ?? []);
}
