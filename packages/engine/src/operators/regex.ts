import { compileLinearRegex, RegexLimitError, RegexSyntaxError } from '../regex/linear-regex';
import { STRING_ONLY, stringTest, type Operator } from './operator';

/**
 * `regex`: the whole value matches the pattern (libsinsp: RE2 in POSIX mode, ANCHOR_BOTH). Runs
 * on the engine's own linear-time matcher (see regex/linear-regex.ts for why not RegExp).
 * Falco forbids a field on its right-hand side, so there is no `compare`.
 */
export const regexOperator: Operator = {
  name: 'regex',
  class: 'str',
  description: 'the whole value matches the POSIX regular expression',
  types: STRING_ONLY,
  compile: ([pattern], _type, limits) => {
    try {
      return stringTest(compileLinearRegex(String(pattern), limits));
    } catch (error) {
      if (error instanceof RegexLimitError) return { error: `regular expression too large: ${error.message}`, code: 'PATTERN_LIMIT' };
      if (error instanceof RegexSyntaxError) return { error: `invalid regular expression: ${error.message}` };
      throw error;
    }
  },
};
