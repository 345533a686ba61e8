import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { getText } from '../../../lib/http';
import { parseJsonExact } from '../../../lib/json-text';
import { liveSocket } from '../../../lib/live';
import { type AlertFilters, filtersToSearch, matchesFilters } from '../filters';
import { mergeNewestFirst } from '../order';

/** A stored alert as the API returns it (Falco's JSON shape plus the cluster). */
export interface Alert {
  uuid: string;
  output: string;
  priority: string;
  rule: string;
  time: string;
  output_fields: Record<string, unknown>;
  source: string;
  tags: string[];
  hostname: string;
  cluster: string;
}

export interface AlertPage {
  results: Alert[];
  total: number;
  /** For the next (older) page; null on the last one. */
  nextCursor: string | null;
}

export const PAGE_SIZE = 500;
/** Beyond this many rows kept in the browser, a view sitting at the top starts over from the server. */
const MAX_ROWS = 20_000;
/** Alerts held back while paused; past this only the count grows and resuming reloads. */
const MAX_WAITING = 5_000;

export function fetchAlertPage(filters: AlertFilters, cursor: string | undefined, signal?: AbortSignal): Promise<AlertPage> {
  const search = filtersToSearch(filters);
  search.set('limit', String(PAGE_SIZE));
  if (cursor) search.set('cursor', cursor);
  // As text: int64 field values (evt.time) keep their digits in chips and free-text filters.
  return getText(`api/v1/alerts?${search.toString()}`, signal).then((text) => parseJsonExact<AlertPage>(text));
}

/** Export links for the current filter (streamed by the server, no row ceiling). */
export function exportUrl(filters: AlertFilters, format: 'json' | 'csv'): string {
  const search = filtersToSearch(filters);
  search.set('format', format);
  return `api/v1/alerts/export?${search.toString()}`;
}

/** Calls `onAlert` for every alert the server pushes (socket.io, no polling). */
export function useLiveAlerts(onAlert: (alert: Alert) => void): void {
  const callback = useRef(onAlert);
  callback.current = onAlert;
  useEffect(() => {
    const socket = liveSocket();
    const listener = (text: string): void => callback.current(parseJsonExact<Alert>(text));
    socket.on('alert', listener);
    return () => {
      socket.off('alert', listener);
    };
  }, []);
}

/** Whether the live push is connected. */
export function useLiveConnection(): boolean {
  const [connected, setConnected] = useState(() => liveSocket().connected);
  useEffect(() => {
    const socket = liveSocket();
    const onConnect = (): void => setConnected(true);
    const onDisconnect = (): void => setConnected(false);
    socket.on('connect', onConnect);
    socket.on('disconnect', onDisconnect);
    setConnected(socket.connected);
    return () => {
      socket.off('connect', onConnect);
      socket.off('disconnect', onDisconnect);
    };
  }, []);
  return connected;
}

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
 * The alerts of a filter, newest event time first, in cursor pages; then every matching alert
 * the server pushes, merged in by its time. While `held` (paused, or scrolled away from the top) new alerts wait behind a count
 * instead of moving the rows under the reader's eyes. `heldNow` answers the same from the page
 * itself (its scroll position) for the moment between a scroll and the render that follows it:
 * an alert pushed in that frame must wait too (the browser runs scroll events, then animation
 * frames, in one frame, before React renders).
 */
export function useAlertList(filters: AlertFilters, held: boolean, heldNow: () => boolean = () => false): AlertListState {
  const key = useMemo(() => filtersToSearch(filters).toString(), [filters]);
  const [rows, setRows] = useState<Alert[]>([]);
  const [total, setTotal] = useState<number>();
  const [cursor, setCursor] = useState<string | null>(null);
  const cursorRef = useRef<string | null>(cursor);
  cursorRef.current = cursor;
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string>();
  const [generation, setGeneration] = useState(0);
  const [waiting, setWaiting] = useState<{ alerts: Alert[]; count: number }>({ alerts: [], count: 0 });
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const heldRef = useRef(held);
  heldRef.current = held;
  const heldNowRef = useRef(heldNow);
  heldNowRef.current = heldNow;
  const moreController = useRef<AbortController | undefined>(undefined);
  // Refs hold the truth between renders so that several pushes in one tick compose, and
  // state updaters stay pure (StrictMode calls them twice).
  const rowsRef = useRef<Alert[]>([]);
  rowsRef.current = rows;
  const waitingRef = useRef<{ alerts: Alert[]; count: number }>(waiting);
  waitingRef.current = waiting;

  // Alerts pushed while the first page is on its way: it may have been read before they were stored.
  const pushedDuringLoad = useRef<Alert[] | undefined>(undefined);

  useEffect(() => {
    const controller = new AbortController();
    moreController.current?.abort();
    setLoading(true);
    setLoadingMore(false);
    pushedDuringLoad.current = [];
    fetchAlertPage(filtersRef.current, undefined, controller.signal)
      .then((page) => {
        const inPage = new Set(page.results.map((a) => a.uuid));
        const missed = (pushedDuringLoad.current ?? []).filter((a) => !inPage.has(a.uuid));
        pushedDuringLoad.current = undefined;
        page = { ...page, results: mergeNewestFirst(missed, page.results, page.nextCursor === null), total: page.total + missed.length };
        rowsRef.current = page.results;
        setRows(page.results);
        // The server counts, then reads the rows: an alert stored in between is in the rows but
        // not the count (and its push is then a duplicate that adds nothing). A last page is exact.
        setTotal(page.nextCursor === null ? page.results.length : Math.max(page.total, page.results.length));
        cursorRef.current = page.nextCursor;
        setCursor(page.nextCursor);
        setError(undefined);
        waitingRef.current = { alerts: [], count: 0 };
        setWaiting(waitingRef.current);
      })
      .catch((err: unknown) => {
        if (!controller.signal.aborted) setError(messageOf(err));
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [key, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  const prepend = useCallback(
    (alerts: Alert[]) => {
      const known = new Set(rowsRef.current.map((a) => a.uuid));
      const fresh = alerts.filter((a) => !known.has(a.uuid));
      if (fresh.length === 0) return;
      // In event-time order, as the server pages: a late arrival with an older time goes below newer rows.
      const next = mergeNewestFirst(fresh, rowsRef.current, cursorRef.current === null);
      rowsRef.current = next;
      setRows(next);
      setTotal((t) => (t ?? 0) + fresh.length);
      // A second screen left open for days: start over rather than grow without bound.
      if (next.length > MAX_ROWS) reload();
    },
    [reload],
  );

  // Pushed alerts are applied once per frame: a storm of alerts costs one render per frame, not
  // one per alert, and a hidden tab (no frames) does no work until it is looked at again.
  const inbox = useRef<{ alerts: Alert[]; dropped: number }>({ alerts: [], dropped: 0 });
  const frame = useRef<number | undefined>(undefined);
  const flush = useCallback(() => {
    frame.current = undefined;
    const { alerts, dropped } = inbox.current;
    inbox.current = { alerts: [], dropped: 0 };
    const batch = alerts.reverse();
    if (batch.length + dropped === 0) return;
    if (heldRef.current || heldNowRef.current()) {
      const w = waitingRef.current;
      const room = Math.max(0, MAX_WAITING - w.alerts.length);
      // More counted than kept: showing them reloads from the server.
      const next = { alerts: [...batch.slice(0, room), ...w.alerts], count: w.count + batch.length + dropped };
      waitingRef.current = next;
      setWaiting(next);
    } else if (dropped > 0) {
      reload();
    } else {
      prepend(batch);
    }
  }, [prepend, reload]);
  useEffect(() => () => {
    if (frame.current !== undefined) cancelAnimationFrame(frame.current);
  }, []);

  useLiveAlerts((alert) => {
    if (!matchesFilters(alert, filtersRef.current, Date.now())) return;
    pushedDuringLoad.current?.unshift(alert);
    const box = inbox.current;
    // A hidden tab has no frames to flush in: past a bound, count instead of keeping.
    if (box.alerts.length < MAX_ROWS) box.alerts.push(alert);
    else box.dropped++;
    frame.current ??= requestAnimationFrame(flush);
  });

  const showWaiting = useCallback(() => {
    const w = waitingRef.current;
    waitingRef.current = { alerts: [], count: 0 };
    setWaiting(waitingRef.current);
    if (w.count > w.alerts.length) reload();
    else if (w.alerts.length > 0) prepend(w.alerts);
  }, [prepend, reload]);

  // Back at the top and live again: what waited joins the table.
  useEffect(() => {
    if (!held && !heldNowRef.current() && waiting.count > 0) showWaiting();
  }, [held, waiting.count, showWaiting]);

  const loadMore = useCallback(() => {
    if (!cursor || loadingMore || loading) return;
    const controller = new AbortController();
    moreController.current = controller;
    setLoadingMore(true);
    fetchAlertPage(filtersRef.current, cursor, controller.signal)
      .then((page) => {
        const known = new Set(rowsRef.current.map((a) => a.uuid));
        rowsRef.current = [...rowsRef.current, ...page.results.filter((a) => !known.has(a.uuid))];
        setRows(rowsRef.current);
        cursorRef.current = page.nextCursor;
        setCursor(page.nextCursor);
      })
      .catch((err: unknown) => {
        if (!controller.signal.aborted) setError(messageOf(err));
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoadingMore(false);
      });
  }, [cursor, loading, loadingMore]);

  return { rows, total, loading, loadingMore, error, hasMore: cursor !== null, waiting: waiting.count, loadMore, showWaiting, reload };
}

export interface AlertDetailState {
  alert: Alert | undefined;
  /** The alert's JSON exactly as the server sent it. */
  raw: string | undefined;
  error: string | undefined;
  loading: boolean;
}

export function useAlertDetail(uuid: string | undefined): AlertDetailState {
  const [state, setState] = useState<AlertDetailState>({ alert: undefined, raw: undefined, error: undefined, loading: uuid !== undefined });
  useEffect(() => {
    if (!uuid) {
      setState({ alert: undefined, raw: undefined, error: undefined, loading: false });
      return;
    }
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true, error: undefined }));
    getText(`api/v1/alerts/${encodeURIComponent(uuid)}`, controller.signal)
      .then((raw) => setState({ alert: parseJsonExact<Alert>(raw), raw, error: undefined, loading: false }))
      .catch((err: unknown) => {
        if (!controller.signal.aborted) setState({ alert: undefined, raw: undefined, error: messageOf(err), loading: false });
      });
    return () => controller.abort();
  }, [uuid]);
  return state;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
