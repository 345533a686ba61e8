import type { Operator } from './operator';
import { anyType } from './operator';

/**
 * `in (a, b, ...)`: for a scalar field, the value is one of the items; for a list field, every
 * extracted value is one of the items (Falco ≥ 0.32 list semantics). An empty list is never
 * matched.
 */
export const inOperator: Operator = {
  name: 'in',
  arity: 'list',
  description: 'the value (every value, for list fields) is one of the listed items',
  supports: anyType,
  compile: (items) => {
    const set = new Set(items);
    return (value) => set.has(value);
  },
  compileForList: (items) => {
    const set = new Set(items);
    return (values) => {
      if (values.length === 0) return false;
      for (const value of values) if (!set.has(value)) return false;
      return true;
    };
  },
};
