/**
 * What a delivery attempt tells the dispatcher. Outputs never throw transport errors: they
 * answer with one of these, and the dispatcher decides about backoff, dead letters and metrics
 * (the Alertmanager `notify/` split: integrations say "retry or not", a wrapper does the rest).
 * Every `reason` is already redacted.
 */

export interface OkResult {
  readonly kind: 'ok';
  readonly status?: number;
}

export interface RetryableResult {
  readonly kind: 'retryable';
  /** Redacted, human-readable. */
  readonly reason: string;
  /** The sink asked to wait this long (ms) before trying again (`Retry-After`). */
  readonly after?: number;
  readonly status?: number;
}

export interface FatalResult {
  readonly kind: 'fatal';
  /** Redacted, human-readable. */
  readonly reason: string;
  readonly status?: number;
}

/** The outcome for one alert. */
export type ItemResult = OkResult | RetryableResult | FatalResult;

/**
 * A batch where alerts fared differently (Elasticsearch `_bulk` items, or one of several
 * requests failing): `items[i]` is the outcome of `alerts[i]` of the `send` call.
 */
export interface PartialResult {
  readonly kind: 'partial';
  readonly items: readonly ItemResult[];
  /** Summary for logs, redacted. */
  readonly reason: string;
}

export type SendResult = ItemResult | PartialResult;

export const ok = (status?: number): OkResult => (status === undefined ? { kind: 'ok' } : { kind: 'ok', status });
export const retryable = (reason: string, extra: { after?: number; status?: number } = {}): RetryableResult => ({ kind: 'retryable', reason, ...extra });
export const fatal = (reason: string, status?: number): FatalResult => (status === undefined ? { kind: 'fatal', reason } : { kind: 'fatal', reason, status });

/** The outcome of each alert of a batch of `count` alerts. */
export function itemResults(result: SendResult, count: number): readonly ItemResult[] {
  if (result.kind === 'partial') return result.items;
  return Array.from({ length: count }, () => result);
}

const SEVERITY: Readonly<Record<ItemResult['kind'], number>> = { ok: 0, fatal: 1, retryable: 2 };

/**
 * Combines the outcomes of several requests that carried the same alert (e.g. one per
 * AlertManager host): the alert is delivered only when every request succeeded; a retry wins
 * over a fatal error because re-sending is harmless (those sinks dedupe) and may still succeed.
 * The longest `Retry-After` is kept.
 */
export function worstOf(results: readonly ItemResult[]): ItemResult {
  const problems = results.filter((r): r is RetryableResult | FatalResult => r.kind !== 'ok');
  if (problems.length === 0) return results.find((r) => r.kind === 'ok') ?? ok();
  const worst = problems.reduce((a, b) => (SEVERITY[b.kind] > SEVERITY[a.kind] ? b : a));
  const reason = [...new Set(problems.map((r) => r.reason))].join('; ');
  if (worst.kind === 'fatal') return { ...worst, reason };
  const afters = problems.map((r) => (r.kind === 'retryable' ? r.after : undefined)).filter((a): a is number => a !== undefined);
  return afters.length > 0 ? { ...worst, reason, after: Math.max(...afters) } : { ...worst, reason };
}

function sameOutcome(a: ItemResult, b: ItemResult): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'ok' || b.kind === 'ok') return true;
  return a.reason === b.reason && (a.kind !== 'retryable' || b.kind !== 'retryable' || a.after === b.after);
}

/** Collapses identical per-item outcomes back into one result, or explains the mix. */
export function summarize(items: readonly ItemResult[]): SendResult {
  const first = items[0];
  if (first === undefined) return ok();
  if (items.every((i) => sameOutcome(i, first))) return first;
  const counts = { ok: 0, retryable: 0, fatal: 0 };
  for (const i of items) counts[i.kind]++;
  const firstProblem = items.find((i): i is RetryableResult | FatalResult => i.kind !== 'ok');
  return {
    kind: 'partial',
    items,
    reason: `${counts.ok} ok, ${counts.retryable} to retry, ${counts.fatal} failed${firstProblem ? ` (first: ${firstProblem.reason})` : ''}`,
  };
}

/** Applies a redactor to every reason of a result (defence in depth: builders already redact). */
export function redactResult(result: SendResult, redact: (text: string) => string): SendResult {
  if (result.kind === 'ok') return result;
  if (result.kind === 'partial') return { ...result, reason: redact(result.reason), items: result.items.map((i) => redactResult(i, redact) as ItemResult) };
  return { ...result, reason: redact(result.reason) };
}
