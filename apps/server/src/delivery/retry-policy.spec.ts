import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, isExpired, nextDelayMs } from './retry-policy';

describe('retry policy', () => {
  it('doubles the wait per attempt, with jitter between half and all of it, up to the cap', () => {
    expect(nextDelayMs(1, DEFAULT_RETRY, undefined, () => 0)).toBe(500);
    expect(nextDelayMs(1, DEFAULT_RETRY, undefined, () => 1)).toBe(1_000);
    expect(nextDelayMs(4, DEFAULT_RETRY, undefined, () => 1)).toBe(8_000);
    expect(nextDelayMs(30, DEFAULT_RETRY, undefined, () => 1)).toBe(300_000);
    expect(nextDelayMs(30, DEFAULT_RETRY, undefined, () => 0)).toBe(150_000);
  });

  it("honours a sink's Retry-After when it asks for longer, within a ceiling", () => {
    expect(nextDelayMs(1, DEFAULT_RETRY, 30_000, () => 1)).toBe(30_000);
    expect(nextDelayMs(10, DEFAULT_RETRY, 2_000, () => 1)).toBe(300_000);
    expect(nextDelayMs(1, DEFAULT_RETRY, 10 * 3_600_000, () => 1)).toBe(3_600_000);
  });

  it('expires deliveries older than the maximum age', () => {
    expect(isExpired(0, 86_399_999, DEFAULT_RETRY)).toBe(false);
    expect(isExpired(0, 86_400_000, DEFAULT_RETRY)).toBe(true);
  });
});
