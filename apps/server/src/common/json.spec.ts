import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PeregrineError } from './errors';
import { isLosslessNumber, LosslessNumber, MAX_JSON_DEPTH, parseJson, stringifyJson, type JsonValue } from './json';

describe('parseJson / stringifyJson', () => {
  it('keeps int64 values above 2^53 digit for digit, wherever they are', () => {
    const text = '{"evt.time":1795442727146981532,"list":[-9223372036854775808,1,{"x":18446744073709551615}],"small":42,"f":0.5}';
    const value = parseJson(text) as { [k: string]: JsonValue };
    expect(isLosslessNumber(value['evt.time'])).toBe(true);
    expect(value['small']).toBe(42);
    expect(stringifyJson(value)).toBe(text);
  });

  it('keeps floats a double would round, and leaves exact numbers as plain numbers', () => {
    expect(stringifyJson(parseJson('[0.1,1.2345678901234567891,1e400,3]'))).toBe('[0.1,1.2345678901234567891,1e400,3]');
    expect(parseJson('[0.1,3]')).toEqual([0.1, 3]);
  });

  it('does not mistake digits inside strings for numbers', () => {
    const text = '{"s":"1795442727146981532","n":1795442727146981532}';
    const value = parseJson(text) as { s: string };
    expect(value.s).toBe('1795442727146981532');
    expect(stringifyJson(value)).toBe(text);
  });

  it('cannot be fooled by a string that spells the internal marker', () => {
    const text = '{"s":"\\u0000abc:123","n":12345678901234567890}';
    expect(stringifyJson(parseJson(text))).toBe('{"s":"\\u0000abc:123","n":12345678901234567890}');
  });

  it('serialises a LosslessNumber made elsewhere exactly too', () => {
    expect(stringifyJson({ n: new LosslessNumber('123456789012345678901') })).toBe('{"n":123456789012345678901}');
  });

  it('refuses nesting deeper than the limit with BODY_TOO_DEEP, and bad JSON with BODY_NOT_JSON', () => {
    const deep = `${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`;
    expect(() => parseJson(deep)).toThrow(expect.objectContaining({ code: 'BODY_TOO_DEEP' }) as PeregrineError);
    expect(() => parseJson('{"a":')).toThrow(expect.objectContaining({ code: 'BODY_NOT_JSON' }) as PeregrineError);
    expect(() => parseJson('{"a":1} trailing')).toThrow(PeregrineError);
  });

  it('round-trips any JSON text built from objects, arrays, strings and arbitrary-size numbers', () => {
    const bigInt = fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((n) => n.toString());
    const json = fc.letrec<{ value: string }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        bigInt,
        fc.string().map((s) => JSON.stringify(s)),
        fc.constantFrom('true', 'false', 'null'),
        fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
        fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 4 }).map(
          (entries) => `{${Object.entries(entries).map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`,
        ),
      ),
    })).value;
    fc.assert(
      fc.property(json, (text) => {
        // Duplicate keys collapse in any parser; compare against the native parse of the same text.
        const canonical = JSON.stringify(JSON.parse(text.replace(/-?\d{16,}/g, '0')));
        const ours = stringifyJson(parseJson(text)).replace(/-?\d{16,}/g, '0');
        expect(ours).toBe(canonical);
        expect(stringifyJson(parseJson(stringifyJson(parseJson(text))))).toBe(stringifyJson(parseJson(text)));
      }),
      { numRuns: 300 },
    );
  });
});
