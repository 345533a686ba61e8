import type { Operator, Scalar } from './operator';
import { anyType } from './operator';

type Ordering = '<' | '<=' | '>' | '>=';

/**
 * Factory shared by the four ordering operators (`<`, `<=`, `>`, `>=`): they differ only in the
 * comparison. Numbers compare numerically; strings compare code unit by code unit, as libsinsp
 * compares string fields with strcmp.
 */
export function orderingOperator(name: Ordering): Operator {
  const compare: (a: Scalar, b: Scalar) => boolean =
    name === '<' ? (a, b) => a < b : name === '<=' ? (a, b) => a <= b : name === '>' ? (a, b) => a > b : (a, b) => a >= b;
  return {
    name,
    arity: 'binary',
    description: { '<': 'less than', '<=': 'less than or equal to', '>': 'greater than', '>=': 'greater than or equal to' }[name],
    supports: anyType,
    compile: ([bound], type) => {
      if (bound === undefined) return { error: `operator '${name}' needs a value` };
      if (type === 'number' && typeof bound !== 'number') return { error: `'${String(bound)}' is not a number` };
      return (value) => typeof value === typeof bound && compare(value, bound);
    },
  };
}
