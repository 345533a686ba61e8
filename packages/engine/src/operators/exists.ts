import { ANY_TYPE, type Operator } from './operator';

/** `exists`: the field could be extracted from the event (an empty list counts as absent). */
export const existsOperator: Operator = {
  name: 'exists',
  class: 'unary',
  description: 'the field has a value in this event',
  types: ANY_TYPE,
  compile: () => () => true,
  compileForList: () => (values) => values.length > 0,
};
