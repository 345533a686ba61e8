/**
 * What a delivery attempt tells the dispatcher. Outputs never throw transport errors: they
 * answer with one of these, and the dispatcher decides about backoff, dead letters and metrics
 * (the Alertmanager `notify/` split: integrations say "retry or not", a wrapper does the rest).
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
 * AlertManager hosts failing): `items[i]` is the outcome of `alerts[i]`.
 */
export interface PartialResult {
  readonly kind: 'partial';
  readonly items: readonly ItemResult[];
  /** Summary for logs, redacted. */
  readonly reason: string;
}

export type SendResult = ItemResult | PartialResult;

/** The outcome of each alert of a batch of `count` alerts. */
export function itemResults(result: SendResult, count: number): readonly ItemResult[] {
  if (result.kind === 'partial') return result.items;
  return Array.from({ length: count }, () => result);
}

const SEVERITY: Readonly<Record<ItemResult['kind'], number>> = { ok: 0, fatal: 1, retryable: 2 };

/**
 * Combines the outcomes of several requests that carried the same alert (e.g. one per
 * AlertManager host): the alert is delivered only when every request succeeded; a retry wins
 * over a fatal error because re-sending is harmless (sinks dedupe) and may still succeed.
 */
export function worstOf(results: readonly ItemResult[]): ItemResult {
  let worst: ItemResult = { kind: 'ok' };
  for (const r of results) {
    if (SEVERITY[r.kind] > SEVERITY[worst.kind]) worst = r;
    else if (r.kind === 'retryable' && worst.kind === 'retryable' && (r.after ?? 0) > (worst.after ?? 0)) worst = { ...worst, after: r.after };
  }
  if (worst.kind !== 'ok' && results.length > 1) {
    const reasons = [...new Set(results.filter((r): r is RetryableResult | FatalResult => r.kind !== 'ok').map((r) => r.reason))];
    return { ...worst, reason: reasons.join('; ') };
  }
  return worst;
}

/** Collapses identical per-item outcomes back into one result. */
export function summarize(items: readonly ItemResult[]): SendResult {
  const first = items[0];
  if (first === undefined) return { kind: 'ok' };
  if (items.every((i) => i.kind === first.kind && (i.kind === 'ok' || (i as RetryableResult | FatalResult).reason === (first as RetryableResult | FatalResult).reason))) {
    return first;
  }
  const counts = { ok: 0, retryable: 0, fatal: 0 };
  for (const i of items) counts[i.kind]++;
  const firstProblem = items.find((i): i is RetryableResult | FatalResult => i.kind !== 'ok');
  return {
    kind: 'partial',
    items,
    reason: `${counts.ok} ok, ${counts.retryable} to retry, ${counts.fatal} failed${firstProblem ? ` (first: ${firstProblem.reason})` : ''}`,
  };
}
