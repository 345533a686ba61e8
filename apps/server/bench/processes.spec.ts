import { describe, expect, it } from 'vitest';
import { batchBodies } from './processes';

describe('batchBodies', () => {
  it('numbers every batch anew, in place, and keeps the JSON valid', () => {
    const template = JSON.stringify({ kind: 'EventList', items: [{ auditID: '@BATCH@-0' }, { auditID: '@BATCH@-1', user: 'jörg' }] });
    const next = batchBodies(template);
    const first = JSON.parse(next().toString('utf8')) as { items: Array<{ auditID: string; user?: string }> };
    const second = JSON.parse(next().toString('utf8')) as { items: Array<{ auditID: string }> };
    const again = JSON.parse(batchBodies(template)().toString('utf8')) as { items: Array<{ auditID: string }> };
    expect(first.items[1]?.user).toBe('jörg');
    expect(first.items.map((item) => item.auditID.split('-')[1])).toEqual(['0', '1']);
    const batchOf = (body: { items: Array<{ auditID: string }> }): string => body.items[0]?.auditID.split('-')[0] ?? '';
    expect(new Set(first.items.map((item) => item.auditID.split('-')[0])).size).toBe(1);
    // Distinct across calls and across generators (a warm-up run never resends a measured batch).
    expect(new Set([batchOf(first), batchOf(second), batchOf(again)]).size).toBe(3);
  });
});
