import type { Operator } from './operator';
import { anyType } from './operator';

/** `intersects (a, b, ...)`: at least one extracted value is one of the items. */
export const intersectsOperator: Operator = {
  name: 'intersects',
  arity: 'list',
  description: 'at least one value is one of the listed items',
  supports: anyType,
  compile: (items) => {
    const set = new Set(items);
    return (value) => set.has(value);
  },
  compileForList: (items) => {
    const set = new Set(items);
    return (values) => {
      for (const value of values) if (set.has(value)) return true;
      return false;
    };
  },
};
