import { describe, expect, it } from 'vitest';
import { eventContext, extractEvents } from './events';

const event = (id: string): Record<string, unknown> => ({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: id, stageTimestamp: '2024-01-01T00:00:00.5Z' });

describe('extractEvents', () => {
  it('accepts one Event, an EventList or a JSON array of them', () => {
    expect(extractEvents(event('a')).events).toHaveLength(1);
    expect(extractEvents({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1beta1', items: [event('a'), event('b')] }).events).toHaveLength(2);
    expect(extractEvents([event('a'), { kind: 'EventList', items: [event('b')] }]).events).toHaveLength(2);
  });

  it('reports what is not an event, by index, and keeps the rest', () => {
    const result = extractEvents([event('a'), { kind: 0 }, 'text', { ...event('c'), stageTimestamp: 'yesterday' }, event('d')]);
    expect(result.events).toHaveLength(2);
    expect(result.errors).toEqual([
      { index: 1, code: 'NOT_AN_AUDIT_EVENT', message: 'data not recognized as a k8s audit event' },
      { index: 2, code: 'NOT_AN_AUDIT_EVENT', message: 'data not recognized as a k8s audit event' },
      { index: 3, code: 'INVALID_EVENT_TIME', message: expect.stringContaining("can't read stageTimestamp") as string },
    ]);
    const list = extractEvents({ kind: 'EventList', items: [event('a'), { kind: 'Event' }] });
    expect(list.errors).toEqual([{ index: 1, code: 'INVALID_EVENT_TIME', message: "can't read stageTimestamp" }]);
  });

  it('never throws, whatever the body', () => {
    for (const body of [null, undefined, 42, 'x', {}, [], [[[]]], { kind: 'EventList' }, { kind: 'EventList', items: 'no' }]) {
      expect(() => extractEvents(body)).not.toThrow();
    }
    expect(extractEvents({ kind: 0 }).errors[0]?.message).toBe('data not recognized as a k8s audit event');
  });
});

describe('eventContext', () => {
  it('takes the time from stageTimestamp', () => {
    expect(eventContext(event('a'), 'h')?.time).toEqual({ seconds: 1704067200, nanos: 500_000_000 });
    expect(eventContext({ kind: 'Event' }, 'h')).toBeUndefined();
  });
});
