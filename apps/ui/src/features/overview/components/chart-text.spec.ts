import { describe, expect, it } from 'vitest';
import { middleEllipsisParts, tooltipRows } from './chart-text';

describe('middleEllipsisParts', () => {
  it('does not split a label that is short anyway', () => {
    expect(middleEllipsisParts('node-1')).toEqual({ head: 'node-1', tail: '' });
    expect(middleEllipsisParts('a'.repeat(24))).toEqual({ head: 'a'.repeat(24), tail: '' });
  });

  it('keeps the end of a long host name, starting the tail at a separator near the cut', () => {
    const host = 'ip-10-0-12-34.worker-2.eu-west-1.compute.internal';
    const { head, tail } = middleEllipsisParts(host);
    expect(head + tail).toBe(host);
    expect(tail).toBe('.internal');
  });

  it('cuts at the fixed length when no separator is near', () => {
    const text = 'x'.repeat(30) + 'ABCDEFGHIJKL';
    expect(middleEllipsisParts(text)).toEqual({ head: 'x'.repeat(30), tail: 'ABCDEFGHIJKL' });
  });

  it('never cuts a character in half', () => {
    const text = '日本語のとても長いホスト名です'.repeat(2) + '🦅🦅🦅🦅🦅🦅🦅🦅🦅🦅🦅🦅';
    const { head, tail } = middleEllipsisParts(text);
    expect(head + tail).toBe(text);
    expect(tail).toBe('🦅'.repeat(12));
  });
});

describe('tooltipRows', () => {
  const row = (name: string, value: number) => ({ name, value, color: '#000' });

  it('lists only the series that counted something, top of the stack first', () => {
    expect(tooltipRows([row('Informational', 2), row('Notice', 0), row('Warning', 1), row('Critical', 0)]).map((r) => r.name)).toEqual(['Warning', 'Informational']);
  });

  it('has no lines for an empty bucket (the tooltip then says so instead of listing zeros)', () => {
    expect(tooltipRows([row('syscall', 0), row('k8s_audit', 0)])).toEqual([]);
    expect(tooltipRows([row('syscall', Number.NaN)])).toEqual([]);
  });
});
