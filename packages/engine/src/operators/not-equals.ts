import { ANY_TYPE, type Operator } from './operator';

/** `!=`. Like every comparison it is false when the field has no value (Falco semantics). */
export const notEqualsOperator: Operator = {
  name: '!=',
  class: 'str',
  description: 'not equal to',
  types: ANY_TYPE,
  compile: ([expected]) => (value) => value !== expected,
  compare: (left, right) => left !== right,
};
