import { describe, expect, it } from 'vitest';
import { fatal, itemResults, ok, redactResult, retryable, summarize, worstOf } from './result';

describe('results', () => {
  it('worstOf: retry beats fatal beats ok, reasons joined once, longest Retry-After kept', () => {
    expect(worstOf([ok(200), ok(204)])).toEqual({ kind: 'ok', status: 200 });
    expect(worstOf([ok(), fatal('bad', 400)])).toEqual({ kind: 'fatal', status: 400, reason: 'bad' });
    expect(worstOf([fatal('bad'), retryable('busy', { after: 5 }), retryable('busy', { after: 9 })])).toEqual({ kind: 'retryable', reason: 'bad; busy', after: 9 });
    expect(worstOf([])).toEqual({ kind: 'ok' });
  });

  it('summarize: identical outcomes collapse; a mix becomes partial with counts', () => {
    expect(summarize([ok(201), ok(201)])).toEqual({ kind: 'ok', status: 201 });
    expect(summarize([retryable('x', { after: 1 }), retryable('x', { after: 1 })])).toEqual({ kind: 'retryable', reason: 'x', after: 1 });
    const mixed = summarize([ok(), fatal('no'), retryable('later')]);
    expect(mixed).toEqual({ kind: 'partial', items: [ok(), fatal('no'), retryable('later')], reason: '1 ok, 1 to retry, 1 failed (first: no)' });
    expect(summarize([retryable('x', { after: 1 }), retryable('x', { after: 2 })]).kind).toBe('partial');
  });

  it('itemResults spreads a single result over a batch', () => {
    expect(itemResults(fatal('x'), 2)).toEqual([fatal('x'), fatal('x')]);
  });

  it('redactResult reaches every reason', () => {
    const redacted = redactResult({ kind: 'partial', reason: 's3cret', items: [fatal('s3cret'), ok()] }, (t) => t.replace('s3cret', '[REDACTED]'));
    expect(JSON.stringify(redacted)).not.toContain('s3cret');
  });
});
