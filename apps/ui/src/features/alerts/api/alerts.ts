import { useCallback, useEffect, useRef, useState } from 'react';
import { getJson } from '../../../lib/http';
import { liveSocket } from '../../../lib/live';

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
}

export interface AlertsState {
  page: AlertPage | undefined;
  error: string | undefined;
  loading: boolean;
  /** Alerts pushed while paused, not shown yet. */
  waiting: number;
  paused: boolean;
  /** The live push is connected. */
  connected: boolean;
  setPaused: (paused: boolean) => void;
  reload: () => void;
}

/** The latest alerts, then every new one as the server pushes it (no polling). */
export function useLatestAlerts(limit = 100): AlertsState {
  const [page, setPage] = useState<AlertPage>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const [paused, setPausedState] = useState(false);
  const [waiting, setWaiting] = useState<Alert[]>([]);
  const pausedRef = useRef(paused);
  const [connected, setConnected] = useState(false);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    getJson<AlertPage>(`api/v1/alerts?limit=${limit}`, controller.signal)
      .then((result) => {
        setPage(result);
        setError(undefined);
        setWaiting([]);
      })
      .catch((err: unknown) => {
        if (!controller.signal.aborted) setError(err instanceof Error ? err.message : String(err));
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [limit, generation]);

  useEffect(() => {
    const socket = liveSocket();
    const onAlert = (text: string): void => {
      const alert = JSON.parse(text) as Alert;
      if (pausedRef.current) setWaiting((queued) => [alert, ...queued]);
      else setPage((current) => prepend(current, [alert], limit));
    };
    const onConnect = (): void => setConnected(true);
    const onDisconnect = (): void => setConnected(false);
    socket.on('alert', onAlert);
    socket.on('connect', onConnect);
    socket.on('disconnect', onDisconnect);
    setConnected(socket.connected);
    return () => {
      socket.off('alert', onAlert);
      socket.off('connect', onConnect);
      socket.off('disconnect', onDisconnect);
    };
  }, [limit]);

  const setPaused = useCallback(
    (next: boolean) => {
      pausedRef.current = next;
      setPausedState(next);
      if (!next) {
        setWaiting((queued) => {
          if (queued.length > 0) setPage((current) => prepend(current, queued, limit));
          return [];
        });
      }
    },
    [limit],
  );
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { page, error, loading, waiting: waiting.length, paused, connected, setPaused, reload };
}

function prepend(current: AlertPage | undefined, alerts: Alert[], limit: number): AlertPage {
  const known = new Set(current?.results.map((a) => a.uuid));
  const fresh = alerts.filter((a) => !known.has(a.uuid));
  return { results: [...fresh, ...(current?.results ?? [])].slice(0, limit), total: (current?.total ?? 0) + fresh.length };
}
