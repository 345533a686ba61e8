import { useCallback, useEffect, useState } from 'react';
import { getJson } from '../../../lib/http';

/** A stored alert as `GET /api/v1/alerts` returns it (Falco's JSON shape plus the cluster). */
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
  reload: () => void;
}

export function useLatestAlerts(limit = 100): AlertsState {
  const [page, setPage] = useState<AlertPage>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    getJson<AlertPage>(`api/v1/alerts?limit=${limit}`, controller.signal)
      .then((result) => {
        setPage(result);
        setError(undefined);
      })
      .catch((err: unknown) => {
        if (!controller.signal.aborted) setError(err instanceof Error ? err.message : String(err));
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [limit, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { page, error, loading, reload };
}
