import { ANY_TYPE, type Operator, type Scalar } from './operator';

type Ordering = '<' | '<=' | '>' | '>=';

const DESCRIPTIONS: Readonly<Record<Ordering, string>> = {
  '<': 'less than',
  '<=': 'less than or equal to',
  '>': 'greater than',
  '>=': 'greater than or equal to',
};

/**
 * The four ordering operators differ only in the comparison. Numbers compare numerically;
 * strings compare code unit by code unit, as libsinsp compares string fields with strcmp (so
 * `ka.response.code >= 400` is a string comparison, as in Falco).
 */
export function orderingOperator(name: Ordering): Operator {
  const compare: (a: Scalar, b: Scalar) => boolean =
    name === '<' ? (a, b) => a < b : name === '<=' ? (a, b) => a <= b : name === '>' ? (a, b) => a > b : (a, b) => a >= b;
  return {
    name,
    class: 'num',
    description: DESCRIPTIONS[name],
    types: ANY_TYPE,
    compile: ([bound]) => {
      if (bound === undefined) return { error: `operator '${name}' needs a value` };
      return (value) => typeof value === typeof bound && compare(value, bound);
    },
    compare: (left, right) => typeof left === typeof right && compare(left, right),
  };
}
