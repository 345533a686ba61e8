import type { InfiniteData } from '@tanstack/react-query';
import type { Alert, AlertPage } from '../../../lib/api/types';
import { mergeNewestFirst } from '../order';

/** The Events list as the query cache holds it: the pages loaded so far, keyed by their cursor. */
export type AlertPages = InfiniteData<AlertPage>;

/**
 * The first page as the list starts with it. Alerts pushed while it was on its way are merged in:
 * the server may have read the page before they were stored. The server counts, then reads the
 * rows, so an alert stored in between is in the rows but not the count: the total is never below
 * the rows, and a last page is exact.
 */
export function firstPageWithArrivals(page: AlertPage, arrivals: readonly Alert[]): AlertPage {
  const inPage = new Set(page.results.map((alert) => alert.uuid));
  const missed = arrivals.filter((alert) => !inPage.has(alert.uuid));
  const complete = page.nextCursor === null;
  const results = mergeNewestFirst(missed, page.results, complete);
  return { ...page, results, total: complete ? results.length : Math.max(page.total + missed.length, results.length) };
}

// The uuids of a list, computed once per version of it: pushes arrive many times a second.
const uuidsByList = new WeakMap<AlertPages, ReadonlySet<string>>();

/** The uuids of every row loaded. */
export function knownUuids(data: AlertPages): ReadonlySet<string> {
  let uuids = uuidsByList.get(data);
  if (!uuids) {
    uuids = new Set(data.pages.flatMap((page) => page.results.map((alert) => alert.uuid)));
    uuidsByList.set(data, uuids);
  }
  return uuids;
}

/** Every row loaded, in order, each alert once (a page may repeat a row an earlier page or a push brought). */
export function rowsOf(data: AlertPages): Alert[] {
  const seen = new Set<string>();
  const rows: Alert[] = [];
  for (const page of data.pages) {
    for (const alert of page.results) {
      if (seen.has(alert.uuid)) continue;
      seen.add(alert.uuid);
      rows.push(alert);
    }
  }
  return rows;
}

/** The count of matching alerts, loaded or not (the first page's, kept current by pushes). */
export function totalOf(data: AlertPages): number | undefined {
  return data.pages[0]?.total;
}

/**
 * The list with pushed alerts (latest arrival first) merged in by event time, as the server
 * would have paged them; alerts already listed are left out, and the total grows by the new
 * ones. Each arrival goes into the page of the row it lands above (the last page when it lands
 * below every row), so the pages stay in order and the next page's cursor stays right. The same
 * object when nothing is new.
 */
export function withArrivals(data: AlertPages, arrivals: readonly Alert[]): AlertPages {
  const known = knownUuids(data);
  const fresh = arrivals.filter((alert) => !known.has(alert.uuid));
  const lastPage = data.pages[data.pages.length - 1];
  if (fresh.length === 0 || lastPage === undefined) return data;
  const pageOf = new Map<string, number>();
  data.pages.forEach((page, index) => {
    for (const alert of page.results) if (!pageOf.has(alert.uuid)) pageOf.set(alert.uuid, index);
  });
  const merged = mergeNewestFirst(fresh, rowsOf(data), lastPage.nextCursor === null);
  const results: Alert[][] = data.pages.map(() => []);
  let above: Alert[] = [];
  for (const alert of merged) {
    const index = pageOf.get(alert.uuid);
    if (index === undefined) {
      above.push(alert);
      continue;
    }
    results[index]?.push(...above, alert);
    above = [];
  }
  results[results.length - 1]?.push(...above);
  return {
    ...data,
    pages: data.pages.map((page, index) => ({ ...page, results: results[index] ?? [], total: index === 0 ? page.total + fresh.length : page.total })),
  };
}

/** How many rows the list holds. */
export function rowCount(data: AlertPages): number {
  return data.pages.reduce((sum, page) => sum + page.results.length, 0);
}

/** Only the first page: a reload refetches what the cache holds, and a reload starts over from one page. */
export function firstPageOnly(data: AlertPages): AlertPages {
  return { pages: data.pages.slice(0, 1), pageParams: data.pageParams.slice(0, 1) };
}
