import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { OutputCatalogEntry, OutputStatus, ReplayResult } from '../../../lib/api/types';
import { describeError } from '../../../lib/errors';
import { getJson, postJson } from '../../../lib/http';

export type { OutputCatalogEntry, OutputStatus, ReplayResult };

// The catalog's key is not under `outputs`: invalidating the status (after a replay) leaves it alone.
const outputKeys = { all: ['outputs'] as const, catalog: ['output-catalog'] as const };

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
 * The outputs' status (every secret masked by the server), refreshed every `intervalMs` while
 * the page is visible and again when it becomes visible. This is status, not alerts: a light
 * poll is enough, and a hidden tab stops asking.
 */
export function useOutputs(intervalMs = 5000): OutputsState {
  const query = useQuery({
    queryKey: outputKeys.all,
    queryFn: ({ signal }) => getJson<OutputStatus[]>('api/v1/outputs', signal),
    refetchInterval: intervalMs,
    refetchIntervalInBackground: false,
    refetchOnWindowFocus: 'always',
  });
  const { refetch } = query;
  return {
    outputs: query.data,
    error: query.error ? describeError(query.error) : undefined,
    updatedAt: query.dataUpdatedAt > 0 ? new Date(query.dataUpdatedAt) : undefined,
    // A new fetch replaces one still running, so an old answer never overwrites a newer one.
    refresh: () => void refetch(),
  };
}

/** Requeues an output's dead letters; the outputs' status is fetched again once it is done, whatever the outcome. */
export function useReplayDeadLetters() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: replayDeadLetters,
    // Not awaited: the outcome shows at once, the figures follow.
    onSettled: () => void queryClient.invalidateQueries({ queryKey: outputKeys.all }),
  });
}

export interface OutputCatalogState {
  entries: OutputCatalogEntry[] | undefined;
  error: string | undefined;
}

/**
 * Every output type with a minimal configuration to copy (`GET /api/v1/outputs/catalog`). It
 * comes from the server's registry and does not change while the server runs: fetched once.
 */
export function useOutputCatalog(): OutputCatalogState {
  const query = useQuery({
    queryKey: outputKeys.catalog,
    queryFn: ({ signal }) => getJson<OutputCatalogEntry[]>('api/v1/outputs/catalog', signal),
    staleTime: Infinity,
  });
  return { entries: query.data, error: query.error ? describeError(query.error) : undefined };
}
