import { describe, expect, it } from 'vitest';
import { DEFAULT_BCRYPT_COST, PasswordHasher } from './password-hasher';

describe('PasswordHasher', () => {
  it('stores bcrypt at cost 12 by default, never the password itself', async () => {
    const hash = await new PasswordHasher().hash('correct horse battery staple');
    expect(DEFAULT_BCRYPT_COST).toBe(12);
    expect(hash).toMatch(/^\$2[aby]\$12\$[./A-Za-z0-9]{53}$/);
    expect(hash).not.toContain('horse');
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const hasher = new PasswordHasher(4);
    const hash = await hasher.hash('s3cret-Pa55');
    expect(await hasher.verify('s3cret-Pa55', hash)).toBe(true);
    expect(await hasher.verify('s3cret-pa55', hash)).toBe(false);
    expect(await hasher.verify('', hash)).toBe(false);
  });

  it('salts: the same password hashes differently each time', async () => {
    const hasher = new PasswordHasher(4);
    expect(await hasher.hash('same')).not.toBe(await hasher.hash('same'));
  });

  it('counts every character of a long passphrase, beyond bcrypt’s 72 bytes', async () => {
    const hasher = new PasswordHasher(4);
    const prefix = 'x'.repeat(80);
    const hash = await hasher.hash(`${prefix}A`);
    expect(await hasher.verify(`${prefix}B`, hash)).toBe(false);
    expect(await hasher.verify(`${prefix}A`, hash)).toBe(true);
  });

  it('answers false for a stored value that is not a bcrypt hash', async () => {
    const hasher = new PasswordHasher(4);
    expect(await hasher.verify('anything', 'not-a-hash')).toBe(false);
    expect(await hasher.verify('anything', await hasher.decoyHash())).toBe(false);
  });

  it('hashes off the event loop: timers keep firing while sign-ins are checked', async () => {
    const hasher = new PasswordHasher(12, { threads: 1, maxWaiting: 8 });
    const hash = await hasher.hash('right');
    let longestGapMs = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      longestGapMs = Math.max(longestGapMs, now - last);
      last = now;
    }, 5);
    try {
      const results = await Promise.all([hasher.verify('wrong-1', hash), hasher.verify('wrong-2', hash), hasher.verify('right', hash)]);
      expect(results).toEqual([false, false, true]);
    } finally {
      clearInterval(timer);
      await hasher.close();
    }
    // One bcrypt at cost 12 takes ~0.3 s; on the event loop a gap would be at least that.
    expect(longestGapMs).toBeLessThan(150);
  }, 30_000);

  it('refuses a burst beyond what may wait, instead of queueing it without end', async () => {
    const hasher = new PasswordHasher(4, { threads: 1, maxWaiting: 2 });
    const hash = await hasher.hash('x');
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => hasher.verify('y', hash)));
    const refused = outcomes.filter((o) => o.status === 'rejected').map((o) => (o).reason as { code?: string });
    expect(refused.length).toBeGreaterThanOrEqual(3);
    expect(refused.every((reason) => reason.code === 'TOO_MANY_ATTEMPTS')).toBe(true);
    await hasher.close();
  });
});
