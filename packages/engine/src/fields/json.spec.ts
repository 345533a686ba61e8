import { describe, expect, it } from 'vitest';
import { asString, asStringList, get, parsePointer, toJson } from './json';

describe('JSON access', () => {
  it('walks objects by key and arrays by index, never into prototypes', () => {
    const value = { a: [{ b: 'x' }], 'c/d': 1 };
    expect(get(value, ['a', '0', 'b'])).toBe('x');
    expect(get(value, ['a', '01'])).toBeUndefined();
    expect(get(value, ['constructor'])).toBeUndefined();
    expect(get(value, parsePointer('/c~1d'))).toBe(1);
  });

  it('renders strings as they are and anything else as compact JSON', () => {
    expect(asString('x')).toBe('x');
    expect(asString(201)).toBe('201');
    expect(asString(true)).toBe('true');
    expect(asString(null)).toBe('null');
    expect(asString({ a: [1, 'b'] })).toBe('{"a":[1,"b"]}');
    expect(asString(undefined)).toBeUndefined();
    expect(asStringList([1, 'a', { b: 2 }])).toEqual(['1', 'a', '{"b":2}']);
    expect(asStringList('no')).toBeUndefined();
  });

  it('writes exact digits for values from an int64-safe parser', () => {
    const exact = { isLosslessNumber: true, value: '9007199254740993' };
    expect(asString(exact)).toBe('9007199254740993');
    expect(asString(12345678901234567890n)).toBe('12345678901234567890');
    expect(toJson({ code: exact, list: [1n, null], s: 'x' })).toBe('{"code":9007199254740993,"list":[1,null],"s":"x"}');
    expect(toJson({ a: [exact], b: {} }, '  ')).toBe('{\n  "a": [\n    9007199254740993\n  ],\n  "b": {}\n}');
  });
});
