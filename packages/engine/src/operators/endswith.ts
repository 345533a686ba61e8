import type { Operator } from './operator';
import { stringOnly, stringTest } from './operator';

export const endswithOperator: Operator = {
  name: 'endswith',
  arity: 'binary',
  description: 'the value ends with the text',
  supports: stringOnly,
  compile: ([suffix]) => {
    const text = String(suffix);
    return stringTest((value) => value.endsWith(text));
  },
};
