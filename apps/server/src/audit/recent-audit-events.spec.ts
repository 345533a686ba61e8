import { describe, expect, it } from 'vitest';
import { RecentAuditEvents } from './recent-audit-events';

describe('recent audit events', () => {
  it('keeps the last N, newest first, and filters by cluster', () => {
    const recent = new RecentAuditEvents(3);
    for (let i = 1; i <= 5; i++) recent.add({ receivedAt: `t${i}`, cluster: i % 2 === 0 ? 'even' : 'odd', event: { n: i } });
    expect(recent.list(10).map((entry) => entry.event)).toEqual([{ n: 5 }, { n: 4 }, { n: 3 }]);
    expect(recent.list(1).map((entry) => entry.event)).toEqual([{ n: 5 }]);
    expect(recent.list(10, 'even').map((entry) => entry.event)).toEqual([{ n: 4 }]);
  });

  it('keeps nothing with a capacity of 0', () => {
    const recent = new RecentAuditEvents(0);
    recent.add({ receivedAt: 't', cluster: 'c', event: {} });
    expect(recent.list(10)).toEqual([]);
  });

  it('drops the oldest to stay within its byte budget, and never keeps an event larger than all of it', () => {
    const recent = new RecentAuditEvents(100, 1000);
    for (let i = 1; i <= 10; i++) recent.add({ receivedAt: `t${i}`, cluster: 'c', event: { n: i } }, 300);
    expect(recent.list(100).map((entry) => entry.event)).toEqual([{ n: 10 }, { n: 9 }, { n: 8 }]);
    expect(recent.keptBytes).toBe(900);
    recent.add({ receivedAt: 'big', cluster: 'c', event: { n: 'big' } }, 1001);
    expect(recent.list(100)).toHaveLength(3);
    recent.add({ receivedAt: 't11', cluster: 'c', event: { n: 11 } }, 1000);
    expect(recent.list(100).map((entry) => entry.event)).toEqual([{ n: 11 }]);
    expect(recent.keptBytes).toBe(1000);
  });

  it('holds both bounds under any sequence of sizes', () => {
    const recent = new RecentAuditEvents(7, 5000);
    let seed = 3;
    const added: Array<{ n: number; bytes: number }> = [];
    for (let n = 0; n < 2000; n++) {
      seed = (seed * 48271) % 2147483647;
      const bytes = seed % 1800;
      recent.add({ receivedAt: '', cluster: 'c', event: n }, bytes);
      added.push({ n, bytes });
      const kept = recent.list(100).map((entry) => entry.event as number);
      expect(kept.length).toBeLessThanOrEqual(7);
      expect(recent.keptBytes).toBeLessThanOrEqual(5000);
      // What is kept is always the newest run of events that fits.
      const expected: number[] = [];
      let total = 0;
      for (let i = added.length - 1; i >= 0 && expected.length < 7; i--) {
        const item = added[i];
        if (!item || total + item.bytes > 5000) break;
        total += item.bytes;
        expected.push(item.n);
      }
      expect(kept).toEqual(expected);
    }
  });
});
