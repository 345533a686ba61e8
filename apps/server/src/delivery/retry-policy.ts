export interface RetrySettings {
  /** First wait after a failure. */
  initialBackoffMs: number;
  /** Longest wait between attempts (a sink's Retry-After may ask for more, up to maxRetryAfterMs). */
  maxBackoffMs: number;
  /** Longest Retry-After we honour; beyond it the sink is treated as asking for maxRetryAfterMs. */
  maxRetryAfterMs: number;
  /** After this long without success a delivery becomes a dead letter. */
  maxAgeMs: number;
  /**
   * How long a replica's claim on the deliveries it is sending lasts (PostgreSQL, several
   * replicas): a replica that dies mid-delivery leaves them to the others after this long.
   */
  claimLeaseMs: number;
}

export const DEFAULT_RETRY: RetrySettings = { initialBackoffMs: 1_000, maxBackoffMs: 300_000, maxRetryAfterMs: 3_600_000, maxAgeMs: 86_400_000, claimLeaseMs: 60_000 };

/**
 * When to try again after `attempts` failed attempts: exponential backoff with "equal jitter"
 * (half fixed, half random) so a recovering sink is not hit by every queued alert at the same
 * instant; a `Retry-After` from the sink wins when it asks for longer.
 */
export function nextDelayMs(attempts: number, settings: RetrySettings, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  const exponential = Math.min(settings.maxBackoffMs, settings.initialBackoffMs * 2 ** Math.max(0, attempts - 1));
  const jittered = exponential / 2 + (random() * exponential) / 2;
  if (retryAfterMs === undefined) return Math.round(jittered);
  return Math.round(Math.max(jittered, Math.min(retryAfterMs, settings.maxRetryAfterMs)));
}

/** A retryable failure becomes a dead letter once the delivery is older than the maximum age. */
export function isExpired(createdAt: number, now: number, settings: RetrySettings): boolean {
  return now - createdAt >= settings.maxAgeMs;
}
