import { isOneOf } from './in';
import { ANY_TYPE, type Operator } from './operator';

/** `intersects (a, b, ...)`: at least one extracted value is one of the items. */
export const intersectsOperator: Operator = {
  name: 'intersects',
  class: 'list',
  description: 'at least one value is one of the listed items',
  types: ANY_TYPE,
  compile: isOneOf,
  compileForList: (items) => {
    const set = new Set(items);
    return (values) => {
      for (const value of values) if (set.has(value)) return true;
      return false;
    };
  },
};
