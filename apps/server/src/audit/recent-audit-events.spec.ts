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
});
