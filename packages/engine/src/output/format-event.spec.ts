import { describe, expect, it } from 'vitest';
import { formatOutput } from './format-event';

describe('formatOutput', () => {
  it('formats one output against one event', () => {
    const event = { kind: 'Event', auditID: '1', user: { username: 'alice' }, stageTimestamp: '2024-01-01T00:00:00Z' };
    expect(formatOutput('user=%ka.user.name verb=%ka.verb', event)).toEqual({ ok: true, text: 'user=alice verb=<NA>', fields: { 'ka.user.name': 'alice', 'ka.verb': null } });
    expect(formatOutput('%ka.nope', event)).toMatchObject({ ok: false, start: 0, end: 8 });
    expect(formatOutput('x', { kind: 'Event' })).toMatchObject({ ok: false });
  });
});
