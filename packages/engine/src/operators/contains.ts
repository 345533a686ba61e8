import type { Operator } from './operator';
import { stringOnly, stringTest } from './operator';

export const containsOperator: Operator = {
  name: 'contains',
  arity: 'binary',
  description: 'the value contains the text',
  supports: stringOnly,
  compile: ([needle]) => {
    const text = String(needle);
    return stringTest((value) => value.includes(text));
  },
};
