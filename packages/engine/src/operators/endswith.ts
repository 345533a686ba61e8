import { STRING_ONLY, stringTest, type Operator } from './operator';

export const endswithOperator: Operator = {
  name: 'endswith',
  class: 'str',
  description: 'the value ends with the text',
  types: STRING_ONLY,
  compile: ([suffix]) => {
    const text = String(suffix);
    return stringTest((value) => value.endsWith(text));
  },
  compare: (left, right) => typeof left === 'string' && left.endsWith(String(right)),
};
