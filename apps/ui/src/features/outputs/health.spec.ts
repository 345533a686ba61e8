import { describe, expect, it } from 'vitest';
import { outputHealth } from './health';

const at = (second: number): string => new Date(Date.UTC(2026, 10, 23, 9, 0, second)).toISOString();

describe('outputHealth', () => {
  it('is idle before anything was sent', () => {
    expect(outputHealth({ lastSuccessAt: null, lastError: null, deadLetters: 0 })).toEqual({ state: 'idle', reasons: ['nothing sent yet'] });
  });

  it('is healthy when the last success is the newest event', () => {
    expect(outputHealth({ lastSuccessAt: at(10), lastError: null, deadLetters: 0 })).toEqual({ state: 'healthy', reasons: [] });
    expect(outputHealth({ lastSuccessAt: at(10), lastError: { at: at(5), reason: 'HTTP 503' }, deadLetters: 0 }).state).toBe('healthy');
  });

  it('is failing when the last error is newer than the last success', () => {
    expect(outputHealth({ lastSuccessAt: at(5), lastError: { at: at(10), reason: 'HTTP 503' }, deadLetters: 0 })).toEqual({
      state: 'failing',
      reasons: ['last attempt failed after the last success'],
    });
    expect(outputHealth({ lastSuccessAt: null, lastError: { at: at(1), reason: 'ECONNREFUSED' }, deadLetters: 0 })).toEqual({
      state: 'failing',
      reasons: ['never delivered; last attempt failed'],
    });
  });

  it('is failing while dead letters wait, even after a later success', () => {
    expect(outputHealth({ lastSuccessAt: at(10), lastError: { at: at(5), reason: 'HTTP 400' }, deadLetters: 1 })).toEqual({
      state: 'failing',
      reasons: ['1 dead letter to replay'],
    });
    expect(outputHealth({ lastSuccessAt: null, lastError: { at: at(5), reason: 'HTTP 400' }, deadLetters: 3 }).reasons).toEqual(['never delivered; last attempt failed', '3 dead letters to replay']);
  });

  it('treats an unreadable time as absent rather than guessing', () => {
    expect(outputHealth({ lastSuccessAt: 'not a date', lastError: null, deadLetters: 0 }).state).toBe('idle');
  });
});
