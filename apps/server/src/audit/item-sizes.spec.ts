import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { itemSizes } from './item-sizes';

const bytes = (value: unknown, indent?: number): Buffer => Buffer.from(JSON.stringify(value, null, indent));

describe('item sizes from the raw body', () => {
  it("measures an EventList's items, in bytes, whatever the key order and spacing", () => {
    const items = [{ kind: 'Event', a: 'x' }, { kind: 'Event', s: 'quote " and ] and } inside', n: [1, [2, { b: 3 }]] }, { kind: 'Event', u: 'é日本' }];
    const expected = items.map((item) => Buffer.byteLength(JSON.stringify(item)));
    expect(itemSizes(bytes({ kind: 'EventList', items, metadata: {} }))).toEqual(expected);
    expect(itemSizes(bytes({ metadata: { items: [1, 2] }, kind: 'EventList', items }))).toEqual(expected);
    const spaced = Buffer.from(`{ "items" : [ ${items.map((item) => JSON.stringify(item)).join(' ,\n ')} ] }`);
    expect(itemSizes(spaced)).toEqual(expected);
  });

  it('measures the elements of a top-level array, and a lone object as one', () => {
    expect(itemSizes(bytes([{ a: 1 }, { bb: 22 }]))).toEqual([7, 9]);
    expect(itemSizes(Buffer.from('  {"kind":"Event"}'))).toEqual([16]);
    expect(itemSizes(bytes({ kind: 'EventList', items: [] }))).toEqual([]);
  });

  it('agrees with JSON.stringify on any list of JSON objects', () => {
    fc.assert(
      fc.property(fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { maxLength: 8 }), (items) => {
        expect(itemSizes(bytes({ kind: 'EventList', items }))).toEqual(items.map((item) => Buffer.byteLength(JSON.stringify(item))));
      }),
    );
  });
});
