import type { Alert } from '../api/types';

/** Falco's priorities, most severe first. */
export const PRIORITIES = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Relative time windows offered in the filter bar (the API's `since`). */
export const SINCE_PRESETS = [
  { value: '5m', label: 'Last 5 minutes' },
  { value: '15m', label: 'Last 15 minutes' },
  { value: '1h', label: 'Last hour' },
  { value: '6h', label: 'Last 6 hours' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
] as const;

/** The list filters: one URL/API parameter each, OR within one, AND across them. */
export const LIST_FILTERS = ['priority', 'rule', 'source', 'hostname', 'cluster', 'namespace', 'tags'] as const;
export type ListFilter = (typeof LIST_FILTERS)[number];

/**
 * What the Events and Overview pages show. It lives in the page URL with the API's own
 * parameter names, so a view is a shareable link and the API query is the URL's query.
 */
export interface AlertFilters {
  priority: string[];
  rule: string[];
  source: string[];
  hostname: string[];
  cluster: string[];
  namespace: string[];
  tags: string[];
  /** Free text over output, rule and field values. */
  q?: string;
  /** Relative window, e.g. `15m`. */
  since?: string;
  /** Absolute bounds, RFC 3339. */
  from?: string;
  until?: string;
}

export const NO_FILTERS: AlertFilters = { priority: [], rule: [], source: [], hostname: [], cluster: [], namespace: [], tags: [] };

// Rule names may contain commas, so rules repeat the parameter; the other lists are comma lists.
const REPEATED: ReadonlySet<ListFilter> = new Set(['rule']);

export function filtersFromSearch(search: URLSearchParams): AlertFilters {
  const filters: AlertFilters = { ...NO_FILTERS };
  for (const key of LIST_FILTERS) {
    const raw = REPEATED.has(key) ? search.getAll(key) : (search.get(key) ?? '').split(',');
    filters[key] = unique(raw.map((value) => value.trim()).filter((value) => value !== ''));
  }
  for (const key of ['q', 'since', 'from', 'until'] as const) {
    const value = search.get(key)?.trim();
    if (value) filters[key] = value;
  }
  return filters;
}

export function filtersToSearch(filters: AlertFilters): URLSearchParams {
  const search = new URLSearchParams();
  for (const key of LIST_FILTERS) {
    const values = filters[key];
    if (values.length === 0) continue;
    if (REPEATED.has(key)) for (const value of values) search.append(key, value);
    else search.set(key, values.join(','));
  }
  for (const key of ['q', 'since', 'from', 'until'] as const) {
    const value = filters[key];
    if (value) search.set(key, value);
  }
  return search;
}

/** The filters with one more value of a list filter (no duplicate). */
export function withValue(filters: AlertFilters, key: ListFilter, value: string): AlertFilters {
  return filters[key].includes(value) ? filters : { ...filters, [key]: [...filters[key], value] };
}

export function withoutValue(filters: AlertFilters, key: ListFilter, value: string): AlertFilters {
  return { ...filters, [key]: filters[key].filter((v) => v !== value) };
}

export function hasAnyFilter(filters: AlertFilters): boolean {
  return filtersToSearch(filters).size > 0;
}

/** The namespace the server indexes an alert under (Falco's `k8s.ns.name`, or the audit target's). */
export function namespaceOf(alert: Pick<Alert, 'output_fields'>): string | undefined {
  for (const key of ['k8s.ns.name', 'ka.target.namespace']) {
    const value = alert.output_fields[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

const SINCE = /^(\d+)\s*([a-zA-Z]*)$/;
const UNIT_SECONDS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, min: 60, h: 3600, d: 86_400, w: 604_800, M: 2_592_000, y: 31_536_000 };

/** The lower time bound of the filters in epoch ms, as the server computes it. */
export function lowerBoundMs(filters: AlertFilters, nowMs: number): number | undefined {
  if (filters.from) return parseInstantMs(filters.from);
  // `since=0` is the server's "no lower bound" (the explicit All time), not "from now".
  if (!filters.since || filters.since === '0') return undefined;
  const match = SINCE.exec(filters.since);
  const seconds = match ? (UNIT_SECONDS[match[2] ?? ''] ?? UNIT_SECONDS[(match[2] ?? '').toLowerCase()]) : undefined;
  return match && seconds !== undefined ? nowMs - Number(match[1]) * seconds * 1000 : undefined;
}

function parseInstantMs(text: string): number | undefined {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Whether a pushed alert belongs in the current view: the same test the server applies, so
 * live rows never show what a reload would not.
 */
export function matchesFilters(alert: Alert, filters: AlertFilters, nowMs: number): boolean {
  const inList = (values: string[], value: string | undefined): boolean => values.length === 0 || (value !== undefined && values.includes(value));
  if (filters.priority.length > 0 && !filters.priority.some((p) => p.toLowerCase() === alert.priority.toLowerCase())) return false;
  if (!inList(filters.rule, alert.rule) || !inList(filters.source, alert.source) || !inList(filters.hostname, alert.hostname)) return false;
  if (!inList(filters.cluster, alert.cluster) || !inList(filters.namespace, namespaceOf(alert))) return false;
  if (filters.tags.length > 0 && !filters.tags.some((tag) => alert.tags.includes(tag))) return false;
  if (filters.q) {
    const needle = filters.q.toLowerCase();
    const haystacks = [alert.output, alert.rule, JSON.stringify(alert.output_fields)];
    if (!haystacks.some((text) => text.toLowerCase().includes(needle))) return false;
  }
  const time = Date.parse(alert.time);
  const lower = lowerBoundMs(filters, nowMs);
  if (lower !== undefined && time < lower) return false;
  const upper = filters.until ? parseInstantMs(filters.until) : undefined;
  if (upper !== undefined && time > upper) return false;
  return true;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
