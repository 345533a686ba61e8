import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { type AlertFilters, filtersToSearch, matchesFilters } from '../../../lib/alerts/filters';
import type { Alert } from '../../../lib/api/types';
import { messageOf } from '../../../lib/errors';
import { useLiveAlerts } from '../../../lib/live';
import { knownUuids, rowCount, rowsOf, totalOf, withArrivals } from './alert-pages';
import { cachedAlertPages, isFetchingOlderAlerts, restartAlertList, setCachedAlertPages, useAlertPages } from './alerts';

/** Beyond this many rows kept in the browser, a view sitting at the top starts over from the server. */
const MAX_ROWS = 20_000;
/** Alerts held back while paused; past this only the count grows and resuming reloads. */
const MAX_WAITING = 5_000;

/** Pushed alerts held back from the view, latest first; `count` may exceed what is kept. */
interface Waiting {
  alerts: Alert[];
  count: number;
}
const NOTHING_WAITING: Waiting = { alerts: [], count: 0 };

export interface AlertListState {
  rows: Alert[];
  total: number | undefined;
  loading: boolean;
  loadingMore: boolean;
  error: string | undefined;
  hasMore: boolean;
  /** Matching alerts pushed while the view was held, not shown yet. */
  waiting: number;
  loadMore: () => void;
  /** Shows the waiting alerts on top. */
  showWaiting: () => void;
  reload: () => void;
}

/**
 * The alerts of a filter, newest event time first, in cursor pages (`useAlertPages`); then every
 * matching alert the server pushes, merged into the cached pages by its time. While `held`
 * (paused, or scrolled away from the top) new alerts wait behind a count instead of moving the
 * rows under the reader's eyes. `heldNow` answers the same from the page itself (its scroll
 * position) for the moment between a scroll and the render that follows it: an alert pushed in
 * that frame must wait too (the browser runs scroll events, then animation frames, in one frame,
 * before React renders).
 */
export function useAlertList(filters: AlertFilters, held: boolean, heldNow: () => boolean = () => false): AlertListState {
  const queryClient = useQueryClient();
  const pages = useAlertPages(filters);
  // Once per version of the pages (a push, a page), not per render.
  const list = useMemo(() => (pages.data ? { rows: rowsOf(pages.data), total: totalOf(pages.data), complete: pages.data.pages.at(-1)?.nextCursor === null } : undefined), [pages.data]);
  const [waiting, setWaiting] = useState<Waiting>(NOTHING_WAITING);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const heldRef = useRef(held);
  heldRef.current = held;
  const heldNowRef = useRef(heldNow);
  heldNowRef.current = heldNow;
  // Refs hold the truth between renders so that several pushes in one tick compose, and
  // state updaters stay pure (StrictMode calls them twice).
  const waitingRef = useRef<Waiting>(waiting);
  waitingRef.current = waiting;
  const updateWaiting = useCallback((next: Waiting) => {
    waitingRef.current = next;
    setWaiting(next);
  }, []);

  // Another filter is another list: nothing waits for it yet.
  const filterKey = useMemo(() => filtersToSearch(filters).toString(), [filters]);
  useEffect(() => updateWaiting(NOTHING_WAITING), [filterKey, updateWaiting]);

  // A reload starts over from the first page, which holds (or will hold) every alert that waited.
  const reload = useCallback(() => {
    void restartAlertList(queryClient, filtersRef.current).then(() => updateWaiting(NOTHING_WAITING));
  }, [queryClient, updateWaiting]);

  // Pushed alerts are applied once per frame: a storm of alerts costs one render per frame, not
  // one per alert, and a hidden tab (no frames) does no work until it is looked at again.
  const inbox = useRef<{ alerts: Alert[]; dropped: number }>({ alerts: [], dropped: 0 });
  const frame = useRef<number | undefined>(undefined);
  const flushRef = useRef<() => void>(() => undefined);
  const scheduleFlush = useCallback(() => {
    frame.current ??= requestAnimationFrame(() => flushRef.current());
  }, []);

  /** Merges alerts (latest first) into the list shown; false when the list cannot take them now. */
  const prepend = useCallback(
    (alerts: Alert[]): boolean => {
      const current = filtersRef.current;
      if (isFetchingOlderAlerts(queryClient, current)) return false;
      const cached = cachedAlertPages(queryClient, current);
      // No pages yet: the first page is on its way, and its fetch collects what is pushed meanwhile.
      if (!cached) return true;
      const next = withArrivals(cached, alerts);
      if (next === cached) return true;
      setCachedAlertPages(queryClient, current, next);
      // A second screen left open for days: start over rather than grow without bound.
      if (rowCount(next) > MAX_ROWS) reload();
      return true;
    },
    [queryClient, reload],
  );

  flushRef.current = () => {
    frame.current = undefined;
    const current = filtersRef.current;
    // An older page on its way is appended to the pages it started from: merge after it lands.
    if (isFetchingOlderAlerts(queryClient, current)) {
      scheduleFlush();
      return;
    }
    const { alerts, dropped } = inbox.current;
    inbox.current = { alerts: [], dropped: 0 };
    const cached = cachedAlertPages(queryClient, current);
    // No pages yet: the first page is on its way, and its fetch collects what is pushed meanwhile.
    if (!cached) return;
    // Already listed: a first page's fetch collected it while it loaded.
    const known = knownUuids(cached);
    const batch = alerts.reverse().filter((alert) => !known.has(alert.uuid));
    if (batch.length + dropped === 0) return;
    if (heldRef.current || heldNowRef.current()) {
      const w = waitingRef.current;
      const room = Math.max(0, MAX_WAITING - w.alerts.length);
      // More counted than kept: showing them reloads from the server.
      updateWaiting({ alerts: [...batch.slice(0, room), ...w.alerts], count: w.count + batch.length + dropped });
    } else if (dropped > 0) {
      reload();
    } else {
      prepend(batch);
    }
  };
  useEffect(
    () => () => {
      if (frame.current !== undefined) cancelAnimationFrame(frame.current);
    },
    [],
  );

  useLiveAlerts((alert) => {
    if (!matchesFilters(alert, filtersRef.current, Date.now())) return;
    const box = inbox.current;
    // A hidden tab has no frames to flush in: past a bound, count instead of keeping.
    if (box.alerts.length < MAX_ROWS) box.alerts.push(alert);
    else box.dropped++;
    scheduleFlush();
  });

  const showWaiting = useCallback(() => {
    const w = waitingRef.current;
    updateWaiting(NOTHING_WAITING);
    if (w.count > w.alerts.length) reload();
    else if (w.alerts.length > 0 && !prepend(w.alerts)) {
      // An older page is on its way: they join the next flush, after it (oldest arrival first, as pushed).
      inbox.current.alerts.unshift(...[...w.alerts].reverse());
      scheduleFlush();
    }
  }, [prepend, reload, scheduleFlush, updateWaiting]);

  // Back at the top and live again: what waited joins the table.
  useEffect(() => {
    if (!held && !heldNowRef.current() && waiting.count > 0) showWaiting();
  }, [held, waiting.count, showWaiting]);

  const loading = pages.isFetching && !pages.isFetchingNextPage;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = pages;
  const loadMore = useCallback(() => {
    if (!hasNextPage || isFetchingNextPage || loading) return;
    // Never instead of a first page on its way.
    void fetchNextPage({ cancelRefetch: false });
  }, [fetchNextPage, hasNextPage, isFetchingNextPage, loading]);

  return {
    rows: list?.rows ?? [],
    total: list?.total,
    loading,
    loadingMore: isFetchingNextPage,
    error: pages.error ? messageOf(pages.error) : undefined,
    // Of the rows shown: another filter's, until its first page arrives.
    hasMore: list !== undefined && !list.complete,
    waiting: waiting.count,
    loadMore,
    showWaiting,
    reload,
  };
}
