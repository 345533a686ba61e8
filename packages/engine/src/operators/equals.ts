import type { Operator } from './operator';
import { anyType } from './operator';

/** `=` (and its alias `==`): exact equality, byte for byte for strings. */
export function equalsOperator(name: '=' | '=='): Operator {
  return {
    name,
    arity: 'binary',
    description: 'equal to',
    supports: anyType,
    compile: ([expected]) => (value) => value === expected,
  };
}
