import { describe, expect, it } from 'vitest';
import { postgresText } from './alerts.repository';

describe('postgresText', () => {
  it('turns the escapes of U+0000 and of lone surrogates, which PostgreSQL text refuses, into U+FFFD (found by the fuzz suite)', () => {
    const text = JSON.stringify(['a\u0000b', 'x\uD800y', '\uDFFF', 'pair 🦅 kept', 'upper \\uD800 kept as text']);
    expect(JSON.parse(postgresText(text))).toEqual(['a\uFFFDb', 'x\uFFFDy', '\uFFFD', 'pair 🦅 kept', 'upper \\uD800 kept as text']);
  });

  it('leaves an escaped backslash followed by u0000 alone: that is text (a nested JSON document), not an escape', () => {
    const nested = JSON.stringify([JSON.stringify({ a: '\u0000' }), '\\\u0000']);
    expect(JSON.parse(postgresText(nested))).toEqual(['{"a":"\\u0000"}', '\\\uFFFD']);
    expect(postgresText('["plain"]')).toBe('["plain"]');
  });
});
