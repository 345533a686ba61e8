import { compileLinearRegex, RegexSyntaxError } from '../regex/linear-regex';
import type { Operator } from './operator';
import { stringOnly, stringTest } from './operator';

/**
 * `regex`: the whole value matches the pattern (libsinsp: RE2, POSIX syntax, anchored at both
 * ends). Runs on the engine's own linear-time matcher; see regex/linear-regex.ts for why.
 */
export const regexOperator: Operator = {
  name: 'regex',
  arity: 'binary',
  description: 'the whole value matches the POSIX regular expression',
  supports: stringOnly,
  compile: ([pattern]) => {
    try {
      return stringTest(compileLinearRegex(String(pattern)));
    } catch (error) {
      if (error instanceof RegexSyntaxError) return { error: `invalid regex pattern: ${error.message}` };
      throw error;
    }
  },
};
