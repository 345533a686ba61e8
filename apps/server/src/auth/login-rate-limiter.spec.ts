import { describe, expect, it } from 'vitest';
import { PeregrineError } from '../common/errors';
import { InMemoryLoginFailures } from '../testing/login-failures';
import { LoginRateLimiter } from './login-rate-limiter';

function setup() {
  let now = 1_000_000;
  const limiter = new LoginRateLimiter({ maxFailures: 5, windowMs: 60_000 }, () => now, new InMemoryLoginFailures());
  return { limiter, advance: (ms: number) => (now += ms) };
}

async function refusal(run: () => Promise<void>): Promise<PeregrineError | undefined> {
  try {
    await run();
    return undefined;
  } catch (error) {
    return error as PeregrineError;
  }
}

describe('LoginRateLimiter', async () => {
  it('allows five failures a minute, then refuses with 429 and how long to wait', async () => {
    const { limiter, advance } = setup();
    for (let i = 0; i < 5; i++) {
      expect(await refusal(() => limiter.assertAllowed('10.0.0.1'))).toBeUndefined();
      await limiter.recordFailure('10.0.0.1');
      advance(1000);
    }
    const error = await refusal(() => limiter.assertAllowed('10.0.0.1'));
    expect(error?.code).toBe('TOO_MANY_ATTEMPTS');
    // The first failure was 5 s ago: it leaves the window in 55 s.
    expect(error?.retryAfterSeconds).toBe(55);
  });

  it('admit counts each attempt from its start and refuses past the budget, with how long to wait', async () => {
    const { limiter, advance } = setup();
    for (let i = 0; i < 5; i++) {
      expect(await refusal(() => limiter.admit('10.0.0.1'))).toBeUndefined();
      advance(1000);
    }
    const error = await refusal(() => limiter.admit('10.0.0.1'));
    expect(error?.code).toBe('TOO_MANY_ATTEMPTS');
    expect(error?.retryAfterSeconds).toBe(55);
    // A refused attempt is not counted: the wait does not grow with each refusal.
    advance(55_001);
    expect(await refusal(() => limiter.admit('10.0.0.1'))).toBeUndefined();
  });

  it('lets the client in again once its oldest failure leaves the window', async () => {
    const { limiter, advance } = setup();
    for (let i = 0; i < 5; i++) await limiter.recordFailure('10.0.0.1');
    expect((await refusal(() => limiter.assertAllowed('10.0.0.1')))?.code).toBe('TOO_MANY_ATTEMPTS');
    advance(60_001);
    expect(await refusal(() => limiter.assertAllowed('10.0.0.1'))).toBeUndefined();
  });

  it('counts per client address', async () => {
    const { limiter } = setup();
    for (let i = 0; i < 5; i++) await limiter.recordFailure('10.0.0.1');
    expect(await refusal(() => limiter.assertAllowed('10.0.0.2'))).toBeUndefined();
  });

  it('forgets a client’s failures when it signs in', async () => {
    const { limiter } = setup();
    for (let i = 0; i < 4; i++) await limiter.recordFailure('10.0.0.1');
    await limiter.recordSuccess('10.0.0.1');
    for (let i = 0; i < 4; i++) await limiter.recordFailure('10.0.0.1');
    expect(await refusal(() => limiter.assertAllowed('10.0.0.1'))).toBeUndefined();
  });
});
