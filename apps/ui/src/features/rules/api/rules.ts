import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { describeError } from '../../../lib/errors';
import { ApiError, getJson, postJson } from '../../../lib/http';
import type {
  ProblemExcerpt,
  RecentAuditEvent,
  RecentAuditEvents,
  ReplicaView,
  RulesList,
  RulesProblem,
  RulesStatus as LoadStatus,
  RulesStatusWithReplicas,
  RulesTestRequest,
  RulesTestResult,
  RuleView,
  TestAlert,
} from '../../../lib/api/types';

// The wire types come from the OpenAPI document (lib/api/types.ts); re-exported for the rules components.
export type { ProblemExcerpt, RecentAuditEvent, ReplicaView, RulesList, RulesProblem, RulesTestRequest, RulesTestResult, RuleView, TestAlert };

/**
 * The load status as the page shows it: `/rules/status` adds every replica of the store and the
 * rules it runs (one on SQLite); a reload's answer does not.
 */
export type RulesStatus = LoadStatus & Partial<Pick<RulesStatusWithReplicas, 'replicas'>>;

const rulesKeys = {
  inForce: ['rules', 'in-force'] as const,
  recentAuditEvents: (limit: number) => ['rules', 'recent-audit-events', limit] as const,
};

export function testRules(request: RulesTestRequest): Promise<RulesTestResult> {
  return postJson<RulesTestResult>('api/v1/rules/test', request);
}

export async function fetchRecentAuditEvents(limit: number, signal?: AbortSignal): Promise<RecentAuditEvent[]> {
  const { events } = await getJson<RecentAuditEvents>(`api/v1/audit/recent?limit=${limit}`, signal);
  return events;
}

/**
 * Reloads the rules files. A failed reload answers 422 with the status as its body; the same
 * status is what `/rules/status` answers next, so read it there rather than parse the error.
 */
export async function reloadRules(): Promise<RulesStatus> {
  try {
    return await postJson<LoadStatus>('api/v1/rules/reload');
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) return getJson<RulesStatusWithReplicas>('api/v1/rules/status');
    throw error;
  }
}

export interface RulesState {
  list: RulesList | undefined;
  status: RulesStatus | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * The rules in force and the last load result, fetched together so they describe one moment,
 * and again every `intervalMs` while the page is visible: the files are watched, so a reload
 * (and its errors) can happen without anyone pressing a button, and match counts grow.
 */
export function useRules(intervalMs = 10_000): RulesState {
  const query = useQuery({
    queryKey: rulesKeys.inForce,
    queryFn: async ({ signal }) => {
      const [list, status] = await Promise.all([getJson<RulesList>('api/v1/rules', signal), getJson<RulesStatusWithReplicas>('api/v1/rules/status', signal)]);
      return { list, status };
    },
    refetchInterval: intervalMs,
    refetchIntervalInBackground: false,
  });
  const { refetch } = query;
  return {
    list: query.data?.list,
    status: query.data?.status,
    error: query.error ? describeError(query.error) : undefined,
    loading: query.isFetching,
    // A new fetch replaces one still running, so an old answer never overwrites a newer one.
    reload: () => void refetch(),
  };
}

/** Reloads the rules files (see `reloadRules`); the rules and their status are fetched again once it is done, whatever the outcome. */
export function useReloadRules() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: reloadRules,
    // Not awaited: the outcome shows at once, the list follows.
    onSettled: () => void queryClient.invalidateQueries({ queryKey: rulesKeys.inForce }),
  });
}

/** Tries a rules text and/or an event on the server's engine; nothing is stored or sent. */
export function useRulesTest() {
  return useMutation({ mutationFn: testRules });
}

/** The last audit events the server received, to pick one for the rule editor. */
export function useRecentAuditEvents(limit: number) {
  return useQuery({
    queryKey: rulesKeys.recentAuditEvents(limit),
    queryFn: ({ signal }) => fetchRecentAuditEvents(limit, signal),
  });
}
