import { STRING_ONLY, stringTest, type Operator } from './operator';

export const containsOperator: Operator = {
  name: 'contains',
  class: 'str',
  description: 'the value contains the text',
  types: STRING_ONLY,
  compile: ([needle]) => {
    const text = String(needle);
    return stringTest((value) => value.includes(text));
  },
  compare: (left, right) => typeof left === 'string' && left.includes(String(right)),
};
