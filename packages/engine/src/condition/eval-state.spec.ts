import { describe, expect, it } from 'vitest';
import { eventContext } from '../events';
import { EvalState } from './eval-state';

describe('the per-event state', () => {
  const event = (verb: string) => {
    const context = eventContext({ kind: 'Event', auditID: 'a', verb, stageTimestamp: '2024-01-01T00:00:00Z' }, '');
    if (context === undefined) throw new Error('setup');
    return context;
  };

  it('extracts each field once per event, and again for the next event', () => {
    let calls = 0;
    const state = new EvalState([(e) => ((calls += 1), e.raw['verb'] as string)], 0);
    state.reset(event('get'));
    expect([state.get(0), state.get(0)]).toEqual(['get', 'get']);
    expect(calls).toBe(1);
    state.reset(event('list'));
    expect(state.get(0)).toBe('list');
    expect(calls).toBe(2);
  });

  it('evaluates each macro once per event, and not at all after a throw', () => {
    let runs = 0;
    const state = new EvalState([], 1);
    state.reset(event('get'));
    const macro = () => ((runs += 1), true);
    expect(state.memo(0, macro) && state.memo(0, macro)).toBe(true);
    expect(runs).toBe(1);
    state.reset(event('get'));
    expect(() =>
      state.memo(0, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(state.memo(0, macro)).toBe(true);
    expect(runs).toBe(2);
  });
});
