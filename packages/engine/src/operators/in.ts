import { ANY_TYPE, type Operator } from './operator';

/**
 * `in (a, b, ...)`: for a scalar field, the value is one of the items; for a list field, every
 * extracted value is one of the items (Falco ≥ 0.32 list semantics). A field without values
 * never matches.
 */
/** Membership in the listed items, the scalar form both `in` and `intersects` share. */
export const isOneOf: Operator['compile'] = (items) => {
  const set = new Set(items);
  return (value) => set.has(value);
};

export const inOperator: Operator = {
  name: 'in',
  class: 'list',
  description: 'the value (every value, for list fields) is one of the listed items',
  types: ANY_TYPE,
  compile: isOneOf,
  compileForList: (items) => {
    const set = new Set(items);
    return (values) => {
      if (values.length === 0) return false;
      for (const value of values) if (!set.has(value)) return false;
      return true;
    };
  },
};
