import type { Operator } from './operator';
import { anyType } from './operator';

/** `!=`. Like every comparison it is false when the field has no value (Falco semantics). */
export const notEqualsOperator: Operator = {
  name: '!=',
  arity: 'binary',
  description: 'not equal to',
  supports: anyType,
  compile: ([expected]) => (value) => value !== expected,
};
