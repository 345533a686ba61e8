import { STRING_ONLY, stringTest, type Operator } from './operator';

/** Case-insensitive `contains` (libsinsp uses strcasestr). */
export const icontainsOperator: Operator = {
  name: 'icontains',
  class: 'str',
  description: 'the value contains the text, ignoring case',
  types: STRING_ONLY,
  compile: ([needle]) => {
    const text = String(needle).toLowerCase();
    return stringTest((value) => value.toLowerCase().includes(text));
  },
  compare: (left, right) => typeof left === 'string' && left.toLowerCase().includes(String(right).toLowerCase()),
};
