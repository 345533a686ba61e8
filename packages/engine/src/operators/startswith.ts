import { STRING_ONLY, stringTest, type Operator } from './operator';

export const startswithOperator: Operator = {
  name: 'startswith',
  class: 'str',
  description: 'the value starts with the text',
  types: STRING_ONLY,
  compile: ([prefix]) => {
    const text = String(prefix);
    return stringTest((value) => value.startsWith(text));
  },
  compare: (left, right) => typeof left === 'string' && left.startsWith(String(right)),
};
