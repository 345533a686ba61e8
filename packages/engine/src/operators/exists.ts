import type { Operator } from './operator';
import { anyType } from './operator';

/** `exists`: the field could be extracted from the event (an empty list counts as absent). */
export const existsOperator: Operator = {
  name: 'exists',
  arity: 'unary',
  description: 'the field has a value in this event',
  supports: anyType,
  compile: () => () => true,
  compileForList: () => (values) => values.length > 0,
};
