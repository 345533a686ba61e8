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

  it('refuses a stageTimestamp outside 64-bit nanoseconds, which Go parses but no evt.time holds (found by the fuzz suite)', () => {
    // 0000-12-31T00:01:00-23:59 is 0001-01-01T00:00:00Z; 0000-01-01T00:30:00+01:00 is in the year -1 (it was formatted "00-1-12-31").
    const outside = ['0000-12-31T00:01:00-23:59', '0000-01-01T00:30:00+01:00', '9999-12-31T23:59:59Z', '1677-09-21T00:12:43.145224191Z', '2262-04-11T23:47:16.854775808Z'];
    const result = extractEvents(outside.map((stamp) => ({ ...event(stamp), stageTimestamp: stamp })));
    expect(result.events).toEqual([]);
    expect(result.errors.map((error) => [error.index, error.code])).toEqual(outside.map((_, index) => [index, 'INVALID_EVENT_TIME']));
    expect(result.errors[0]?.message).toContain('is outside 1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z');
    const edges = ['1677-09-21T00:12:43.145224192Z', '2262-04-11T23:47:16.854775807Z', '2262-04-12T01:47:16.854775807+02:00'];
    expect(extractEvents(edges.map((stamp) => ({ ...event(stamp), stageTimestamp: stamp }))).errors).toEqual([]);
    expect(eventContext({ ...event('x'), stageTimestamp: '9999-12-31T23:59:59Z' }, 'h')).toBeUndefined();
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
