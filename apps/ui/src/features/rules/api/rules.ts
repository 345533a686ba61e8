import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, getJson, postJson } from '../../../lib/http';

// The shapes of docs/rules-api.md, declared here because the UI talks to the server over HTTP only.

/** A rule of the ruleset in force (`GET /api/v1/rules`). */
export interface RuleView {
  name: string;
  description: string;
  source: string;
  priority: string;
  tags: string[];
  enabled: boolean;
  /** False for rules of other sources (e.g. syscall): listed, never evaluated. */
  evaluated: boolean;
  condition: string;
  output: string;
  file: string;
  line: number;
  matches: number;
}

export interface RulesList {
  generation: number;
  loadedAt: string | null;
  rules: RuleView[];
}

/** The source line a problem is on; `text.slice(start, end)` is the part to underline. */
export interface ProblemExcerpt {
  text: string;
  start: number;
  end: number;
}

/** A load error or warning, coded and placed. */
export interface RulesProblem {
  code: string;
  message: string;
  file: string;
  item?: { type: string; name?: string };
  position?: { line: number; column: number; offset?: number; length?: number };
  excerpt?: ProblemExcerpt;
}

export interface RulesStatus {
  ok: boolean;
  generation: number;
  /** The rules in force as files, hashed: the same on replicas that read the same files. */
  fingerprint: string | null;
  loadedAt: string | null;
  lastAttemptAt: string | null;
  files: Array<{ path: string; rules: number }>;
  errors: RulesProblem[];
  warnings: RulesProblem[];
  /** Every replica of the store and the rules it runs (`/rules/status` only; one on SQLite). */
  replicas?: ReplicaView[];
}

export interface ReplicaView {
  id: string;
  hostname: string;
  self: boolean;
  startedAt: string;
  lastSeen: string;
  generation: number;
  fingerprint: string | null;
  loadedAt: string | null;
}

/** An alert the engine produced while trying rules (nothing is stored). */
export interface TestAlert {
  time: string;
  rule: string;
  priority: string;
  source: string;
  output: string;
  output_fields: Record<string, unknown>;
  tags: string[];
  hostname: string;
}

export interface RulesTestRequest {
  rules?: string;
  event?: unknown;
  withStockRules?: boolean;
}

export interface RulesTestResult {
  ok: boolean;
  errors: RulesProblem[];
  warnings: RulesProblem[];
  alerts: TestAlert[];
  eventErrors: Array<{ index: number; code: string; message: string }>;
  /** Rules that could not be evaluated on the event (a regex or glob past its step limit), by name: they did not match. */
  evaluationErrors?: Record<string, number>;
}

/** An audit event as the apiserver sent it, kept by the server for the editor. */
export interface RecentAuditEvent {
  receivedAt: string;
  cluster: string;
  event: unknown;
}

export function testRules(request: RulesTestRequest): Promise<RulesTestResult> {
  return postJson<RulesTestResult>('api/v1/rules/test', request);
}

export async function fetchRecentAuditEvents(limit: number): Promise<RecentAuditEvent[]> {
  const { events } = await getJson<{ events: RecentAuditEvent[] }>(`api/v1/audit/recent?limit=${limit}`);
  return events;
}

/**
 * Reloads the rules files. A failed reload answers 422 with the status as its body; the same
 * status is what `/rules/status` answers next, so read it there rather than parse the error.
 */
export async function reloadRules(): Promise<RulesStatus> {
  try {
    return await postJson<RulesStatus>('api/v1/rules/reload');
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) return getJson<RulesStatus>('api/v1/rules/status');
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
  const [list, setList] = useState<RulesList>();
  const [status, setStatus] = useState<RulesStatus>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const inFlight = useRef<AbortController | undefined>(undefined);

  const reload = useCallback(() => {
    // A new fetch replaces one still running, so an old answer never overwrites a newer one.
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    setLoading(true);
    Promise.all([getJson<RulesList>('api/v1/rules', controller.signal), getJson<RulesStatus>('api/v1/rules/status', controller.signal)])
      .then(([rules, loadStatus]) => {
        setList(rules);
        setStatus(loadStatus);
        setError(undefined);
      })
      .catch((err: unknown) => {
        if (!controller.signal.aborted) setError(describeError(err));
      })
      .finally(() => {
        if (inFlight.current !== controller) return;
        inFlight.current = undefined;
        setLoading(false);
      });
  }, []);

  useEffect(() => {
    reload();
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') reload();
    }, intervalMs);
    return () => {
      clearInterval(timer);
      inFlight.current?.abort();
    };
  }, [reload, intervalMs]);

  return { list, status, error, loading, reload };
}

export function describeError(error: unknown): string {
  if (error instanceof ApiError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
