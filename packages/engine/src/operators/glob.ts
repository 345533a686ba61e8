import { MATCH_LIMIT_EVALUATION_ERROR } from '../condition/eval-state';
import { DEFAULT_MATCH_LIMITS, STRING_ONLY, stringTest, type MatchLimits, type Operator } from './operator';

/**
 * Shell-style wildcard match of the whole value (fnmatch without flags, as libsinsp uses):
 * `*` any run of characters (including `/`), `?` one character, `[abc]`, `[a-z]`, `[!x]` or
 * `[^x]` a character class, `\x` a literal x. Matching uses the classic single-backtrack-point
 * algorithm: O(pattern × value) in the worst case, never exponential; and since `*aaaa…b`
 * against 100 000 `a`s is still seconds, a pattern has at most `maxPatternSize` tokens and a
 * match at most `maxMatchSteps` steps (then MATCH_LIMIT_EVALUATION_ERROR).
 */
type GlobToken = { kind: 'star' } | { kind: 'any' } | { kind: 'char'; char: string } | { kind: 'class'; negated: boolean; ranges: Array<[string, string]> };

/** The pattern has more than `maxPatternSize` tokens (PATTERN_LIMIT). */
export class GlobLimitError extends Error {}

export function compileGlob(pattern: string, ignoreCase: boolean, limits: MatchLimits = DEFAULT_MATCH_LIMITS): (value: string) => boolean {
  const source = ignoreCase ? pattern.toLowerCase() : pattern;
  const maxSteps = limits.maxMatchSteps;
  const tokens: GlobToken[] = [];
  for (let i = 0; i < source.length; i++) {
    const c = source[i] ?? '';
    if (c === '*') {
      if (tokens[tokens.length - 1]?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') tokens.push({ kind: 'any' });
    else if (c === '\\' && i + 1 < source.length) tokens.push({ kind: 'char', char: source[++i] ?? '' });
    else if (c === '[') {
      const parsed = parseClass(source, i);
      if (parsed === undefined) tokens.push({ kind: 'char', char: '[' });
      else {
        tokens.push(parsed.token);
        i = parsed.end;
      }
    } else tokens.push({ kind: 'char', char: c });
    if (tokens.length > limits.maxPatternSize) throw new GlobLimitError(`the pattern has more than ${limits.maxPatternSize} tokens (maxPatternSize)`);
  }
  const matchOne = (token: GlobToken, c: string): boolean => {
    switch (token.kind) {
      case 'any':
        return true;
      case 'char':
        return token.char === c;
      case 'class':
        return token.ranges.some(([lo, hi]) => c >= lo && c <= hi) !== token.negated;
      default:
        return false;
    }
  };

  return (input: string): boolean => {
    const value = ignoreCase ? input.toLowerCase() : input;
    let t = 0;
    let v = 0;
    let starToken = -1;
    let starValue = 0;
    let steps = 0;
    while (v < value.length) {
      if (++steps > maxSteps) throw MATCH_LIMIT_EVALUATION_ERROR;
      const token = tokens[t];
      if (token !== undefined && token.kind !== 'star' && matchOne(token, value[v] ?? '')) {
        t++;
        v++;
      } else if (token?.kind === 'star') {
        starToken = t++;
        starValue = v;
      } else if (starToken >= 0) {
        t = starToken + 1;
        v = ++starValue;
      } else return false;
    }
    while (tokens[t]?.kind === 'star') t++;
    return t === tokens.length;
  };
}

function parseClass(source: string, open: number): { token: GlobToken; end: number } | undefined {
  let i = open + 1;
  let negated = false;
  if (source[i] === '!' || source[i] === '^') {
    negated = true;
    i++;
  }
  const ranges: Array<[string, string]> = [];
  let first = true;
  while (i < source.length && (source[i] !== ']' || first)) {
    const low = source[i] ?? '';
    if (source[i + 1] === '-' && source[i + 2] !== undefined && source[i + 2] !== ']') {
      ranges.push([low, source[i + 2] ?? '']);
      i += 3;
    } else {
      ranges.push([low, low]);
      i++;
    }
    first = false;
  }
  if (i >= source.length) return undefined;
  return { token: { kind: 'class', negated, ranges }, end: i };
}

function globOperator(name: 'glob' | 'iglob', ignoreCase: boolean): Operator {
  return {
    name,
    class: 'str',
    description: ignoreCase ? 'the value matches the wildcard pattern, ignoring case' : 'the value matches the wildcard pattern',
    types: STRING_ONLY,
    compile: ([pattern], _type, limits) => {
      try {
        return stringTest(compileGlob(String(pattern), ignoreCase, limits));
      } catch (error) {
        if (error instanceof GlobLimitError) return { error: `glob pattern too large: ${error.message}`, code: 'PATTERN_LIMIT' };
        throw error;
      }
    },
    // The pattern comes from the event here: one too large cannot be evaluated.
    compare: (left, right, limits) => {
      if (typeof left !== 'string') return false;
      let test: (value: string) => boolean;
      try {
        test = compileGlob(String(right), ignoreCase, limits);
      } catch (error) {
        if (error instanceof GlobLimitError) throw MATCH_LIMIT_EVALUATION_ERROR;
        throw error;
      }
      return test(left);
    },
  };
}

export const globMatchOperator = globOperator('glob', false);
export const iglobOperator = globOperator('iglob', true);
