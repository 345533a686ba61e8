import fc from 'fast-check';
import { LosslessNumber } from 'lossless-json';
import { describe, expect, it } from 'vitest';
import { compareGoStrings, goEncode, goMarshal, goStruct, quoteGoString } from './json';

describe('Go-compatible JSON writer', () => {
  it('escapes as encoding/json does (HTML-safe, U+2028/9, control characters)', () => {
    expect(quoteGoString('<a href="x">&</a>')).toBe('"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"');
    expect(quoteGoString('line\u2028sep\u2029')).toBe('"line\\u2028sep\\u2029"');
    expect(quoteGoString('\b\f\n\r\t\u0001\u001f\\')).toBe('"\\b\\f\\n\\r\\t\\u0001\\u001f\\\\"');
    expect(quoteGoString('é日本語😀')).toBe('"é日本語😀"');
    // A lone surrogate is invalid UTF-8 in Go, which writes U+FFFD.
    expect(quoteGoString('a\uD800b\uDC00')).toBe('"a\\ufffdb\\ufffd"');
  });

  it('sorts map keys by UTF-8 bytes and keeps struct order; omits undefined struct fields', () => {
    expect(goMarshal({ b: 1, a: 2, é: 3, z: 4, '😀': 5, '\uFF5E': 6 })).toBe('{"a":2,"b":1,"z":4,"é":3,"～":6,"😀":5}');
    expect(goMarshal(goStruct({ z: 1, a: undefined, m: null }))).toBe('{"z":1,"m":null}');
    expect(compareGoStrings('\uFF5E', '😀')).toBeLessThan(0);
  });

  it('orders any two strings exactly as their UTF-8 bytes (surrogates, lone ones and prefixes included)', () => {
    const bytesOrder = (a: string, b: string): number => Math.sign(Buffer.compare(Buffer.from(new TextEncoder().encode(a)), Buffer.from(new TextEncoder().encode(b))));
    const text = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('a', 'é', '\uFF5E', '😀', '\uD800', '\uDC00', '\uE000') }));
    fc.assert(fc.property(text, text, (a, b) => Math.sign(compareGoStrings(a, b)) === bytesOrder(a, b)), { numRuns: 5000 });
  });

  it('writes numbers as Go: exact int64 text kept, float forms as strconv', () => {
    expect(goMarshal([new LosslessNumber('1795442727146981532'), 1234, -1, 0.5, 1e21, 1e-7, 1e20, 123456789.123, -0])).toBe(
      '[1795442727146981532,1234,-1,0.5,1e+21,1e-7,100000000000000000000,123456789.123,-0]',
    );
  });

  it('Encode adds the newline Marshal does not', () => {
    expect(goEncode({ a: [] })).toBe('{"a":[]}\n');
    expect(goMarshal(null)).toBe('null');
  });

  it('round-trips any JSON value (what JSON.parse reads back equals the input)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        // Compared with the value itself: Go keeps -0 as `-0`, where JSON.stringify writes `0`.
        expect(JSON.parse(goMarshal(value))).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });

  it('quotes every string so JSON.parse gives it back (well-formed UTF-16)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        expect(JSON.parse(quoteGoString(text))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
