import type { Operator } from './operator';
import { stringOnly, stringTest } from './operator';

export const startswithOperator: Operator = {
  name: 'startswith',
  arity: 'binary',
  description: 'the value starts with the text',
  supports: stringOnly,
  compile: ([prefix]) => {
    const text = String(prefix);
    return stringTest((value) => value.startsWith(text));
  },
};
