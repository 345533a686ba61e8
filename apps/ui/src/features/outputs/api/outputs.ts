import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, getJson, postJson } from '../../../lib/http';

/** One output as `GET /api/v1/outputs` shows it; the server has masked every secret already. */
export interface OutputStatus {
  name: string;
  type: string;
  enabled: boolean;
  minimumPriority: string | null;
  /** The `when:` condition, in Falco's condition syntax. */
  routing: string | null;
  /** Deliveries waiting in the outbox. */
  queueDepth: number;
  /** Dead letters kept now (replayable). */
  deadLetters: number;
  inFlight: number;
  /** Counters since the server started. */
  delivered: number;
  failed: number;
  deadLettered: number;
  lastSuccessAt: string | null;
  lastError: { at: string; reason: string } | null;
  maxConcurrentRequests: number;
  timeoutMs: number;
  config: Record<string, unknown>;
}

export interface ReplayResult {
  output: string;
  replayed: number;
}

export function replayDeadLetters(name: string): Promise<ReplayResult> {
  return postJson<ReplayResult>(`api/v1/outputs/${encodeURIComponent(name)}/replay`);
}

export interface OutputsState {
  outputs: OutputStatus[] | undefined;
  error: string | undefined;
  /** When the shown figures were fetched. */
  updatedAt: Date | undefined;
  refresh: () => void;
}

/**
 * The outputs' status, refreshed every `intervalMs` while the page is visible. This is status,
 * not alerts: a light poll is enough, and a hidden tab stops asking.
 */
export function useOutputs(intervalMs = 5000): OutputsState {
  const [outputs, setOutputs] = useState<OutputStatus[]>();
  const [error, setError] = useState<string>();
  const [updatedAt, setUpdatedAt] = useState<Date>();
  const inFlight = useRef<AbortController | undefined>(undefined);

  const refresh = useCallback(() => {
    // A new fetch replaces one still running, so an old answer never overwrites a newer one.
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    getJson<OutputStatus[]>('api/v1/outputs', controller.signal)
      .then((list) => {
        setOutputs(list);
        setError(undefined);
        setUpdatedAt(new Date());
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        setError(err instanceof ApiError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err));
      })
      .finally(() => {
        if (inFlight.current === controller) inFlight.current = undefined;
      });
  }, []);

  useEffect(() => {
    refresh();
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') refresh();
    }, intervalMs);
    const onVisibility = (): void => {
      if (document.visibilityState === 'visible') refresh();
    };
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisibility);
      inFlight.current?.abort();
    };
  }, [refresh, intervalMs]);

  return { outputs, error, updatedAt, refresh };
}
