import type { Operator } from './operator';
import { stringOnly, stringTest } from './operator';

/** Case-insensitive `contains` (ASCII folding, like libsinsp). */
export const icontainsOperator: Operator = {
  name: 'icontains',
  arity: 'binary',
  description: 'the value contains the text, ignoring case',
  supports: stringOnly,
  compile: ([needle]) => {
    const text = String(needle).toLowerCase();
    return stringTest((value) => value.toLowerCase().includes(text));
  },
};
