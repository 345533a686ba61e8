import { describe, expect, it } from 'vitest';
import { parseJsonExact, prettyJsonText } from './json-text';

describe('prettyJsonText', () => {
  it('indents like JSON.stringify(…, 2) for values a JS number holds', () => {
    const value = { rule: 'a, "b": {c}', n: [1, 2, { x: null, y: true }], empty: {}, none: [], nested: { deep: { s: 'é 日本 \\ "' } } };
    expect(prettyJsonText(JSON.stringify(value))).toBe(JSON.stringify(value, null, 2));
  });

  it('keeps int64 numbers digit for digit and ignores the input layout', () => {
    expect(prettyJsonText('{ "evt.time" : 1795435872123456789 ,\n "a":[ ] }')).toBe('{\n  "evt.time": 1795435872123456789,\n  "a": []\n}');
  });
});

describe('parseJsonExact', () => {
  it('keeps integers beyond 2^53 as their digits, everything else as JSON.parse does', () => {
    const parsed = parseJsonExact<Record<string, unknown>>('{"evt.time":1795435872123456789,"n":42,"f":1.5,"big":1e300,"s":"x"}');
    // Node ships source text access since v21; on older engines the rounded number is all there is.
    const exact = parsed['evt.time'] === '1795435872123456789';
    expect(exact || parsed['evt.time'] === Number('1795435872123456789')).toBe(true);
    expect([parsed['n'], parsed['f'], parsed['big'], parsed['s']]).toEqual([42, 1.5, 1e300, 'x']);
  });
});
