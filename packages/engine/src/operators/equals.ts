import { ANY_TYPE, type Operator } from './operator';

/** `=` (and its alias `==`): exact equality, byte for byte for strings. */
export function equalsOperator(name: '=' | '=='): Operator {
  return {
    name,
    class: 'str',
    description: 'equal to',
    types: ANY_TYPE,
    compile: ([expected]) => (value) => value === expected,
    compare: (left, right) => left === right,
  };
}
