import { describe, expect, it } from 'vitest';
import { PeregrineError } from '../common/errors';
import { type LockedOutPolicy, StoreLock } from './store-lock';

const busy = (): Error => Object.assign(new Error('SQLITE_BUSY: database is locked'), { code: 'SQLITE_BUSY' });

/** A policy on a clock the test moves, recording what it was told. */
function policyOn(clock: { now: number }): LockedOutPolicy & { told: boolean[] } {
  const told: boolean[] = [];
  return {
    told,
    isLockedOut: (error) => (error as { code?: string }).code === 'SQLITE_BUSY',
    probeIntervalMs: 1000,
    changed: async (lockedOut) => {
      told.push(lockedOut);
    },
    nowMs: () => clock.now,
  };
}

describe('StoreLock', () => {
  it('runs writes one at a time, in arrival order, whether the previous one failed or not', async () => {
    const lock = new StoreLock();
    const order: string[] = [];
    const slow = lock.run(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push('first');
      throw new Error('failed');
    });
    const second = lock.run(async () => {
      order.push('second');
      return 2;
    });
    await expect(slow).rejects.toThrow('failed');
    expect(await second).toBe(2);
    expect(order).toEqual(['first', 'second']);
  });

  it('once a write found the store locked by another process, fails the others at once with a 503-class error, one probe a second, until a write succeeds', async () => {
    const clock = { now: 0 };
    const policy = policyOn(clock);
    const lock = new StoreLock(policy);
    let attempts = 0;
    const lockedWrite = (): Promise<string> =>
      lock.run(async () => {
        attempts++;
        throw busy();
      });

    await expect(lockedWrite()).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(lock.isLockedOut).toBe(true);
    expect(policy.told).toEqual([true]);

    // Within the probe interval: refused without touching the store.
    clock.now = 400;
    const refused = await lock.run(async () => 'never').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PeregrineError);
    expect(refused).toMatchObject({ code: 'STORE_UNAVAILABLE', retryAfterSeconds: 1 });
    expect(attempts).toBe(1);

    // The interval is over: the next write probes, still locked, and the interval starts again.
    clock.now = 1000;
    await expect(lockedWrite()).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(attempts).toBe(2);
    clock.now = 1500;
    await expect(lock.run(async () => 'never')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });

    // The lock is released: the next probe succeeds, and writes run normally again.
    clock.now = 2000;
    expect(await lock.run(async () => 'written')).toBe('written');
    expect(lock.isLockedOut).toBe(false);
    expect(policy.told).toEqual([true, false]);
    expect(await lock.run(async () => 'again')).toBe('again');
  });

  it('fails the writes that were already queued behind the locked-out one at once, instead of letting each wait the busy timeout', async () => {
    const clock = { now: 0 };
    const lock = new StoreLock(policyOn(clock));
    let ran = 0;
    const first = lock.run(async () => {
      ran++;
      throw busy();
    });
    const queued = [1, 2, 3].map((n) =>
      lock.run(async () => {
        ran++;
        return n;
      }),
    );
    await expect(first).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    for (const write of queued) await expect(write).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(ran).toBe(1);
  });

  it('other failures do not lock the store out', async () => {
    const clock = { now: 0 };
    const lock = new StoreLock(policyOn(clock));
    await expect(lock.run(async () => Promise.reject(new Error('UNIQUE constraint failed')))).rejects.toThrow('UNIQUE');
    expect(lock.isLockedOut).toBe(false);
    expect(await lock.run(async () => 'ok')).toBe('ok');
  });
});
