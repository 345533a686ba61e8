import { type AlertFilters, SINCE_PRESETS } from './filters';

/**
 * `since=0` in a page URL: explicitly no lower bound. The server reads it the same way, so the
 * value is safe to send; a page with a default window needs it to tell "All time" from "the URL
 * names no window, use the default".
 */
export const ALL_TIME_SINCE = '0';

/** The time-range menu's values besides the `since` presets. */
export const ALL_TIME_CHOICE = 'all';
export const CUSTOM_CHOICE = 'custom';

/** Whether the URL names a time window of its own (relative, absolute, or all time). */
export function namesTimeRange(filters: AlertFilters): boolean {
  return filters.since !== undefined || filters.from !== undefined || filters.until !== undefined;
}

/**
 * The filters a page queries: its default window when the URL names none, and without any
 * window for an explicit "All time". Pages without a default query the URL as it is.
 */
export function withDefaultRange(filters: AlertFilters, defaultSince: string | undefined): AlertFilters {
  if (filters.since === ALL_TIME_SINCE) return withoutRange(filters);
  if (defaultSince !== undefined && !namesTimeRange(filters)) return { ...filters, since: defaultSince };
  return filters;
}

/** The filters over all time: the same values, no window. */
export function withoutRange(filters: AlertFilters): AlertFilters {
  const { since: _since, from: _from, until: _until, ...rest } = filters;
  return rest;
}

/** What the time-range menu shows for the URL's filters on a page with (or without) a default window. */
export function rangeChoice(filters: AlertFilters, defaultSince: string | undefined): string {
  if (filters.from !== undefined || filters.until !== undefined) return CUSTOM_CHOICE;
  if (filters.since === ALL_TIME_SINCE) return ALL_TIME_CHOICE;
  return filters.since ?? defaultSince ?? ALL_TIME_CHOICE;
}

/**
 * The URL's filters after picking a relative window or "All time" from the menu. The page's
 * default is written as no parameter (so its plain URL stays plain); "All time" is written only
 * where it differs from the default.
 */
export function withRangeChoice(filters: AlertFilters, choice: string, defaultSince: string | undefined): AlertFilters {
  const rest = withoutRange(filters);
  if (choice === ALL_TIME_CHOICE) return defaultSince === undefined ? rest : { ...rest, since: ALL_TIME_SINCE };
  if (choice === defaultSince) return rest;
  return { ...rest, since: choice };
}

/**
 * The window of already-resolved filters in words, to follow a count ("12 alerts in the last 24
 * hours"); undefined for all time.
 */
export function describeRange(filters: AlertFilters): string | undefined {
  if (filters.from !== undefined || filters.until !== undefined) return 'in the selected range';
  if (filters.since === undefined || filters.since === ALL_TIME_SINCE) return undefined;
  const preset = SINCE_PRESETS.find((p) => p.value === filters.since);
  return preset ? `in the ${preset.label.toLowerCase()}` : `in the last ${filters.since}`;
}
