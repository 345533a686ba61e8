/**
 * An operator of the condition language: how it is written, which operand class the grammar
 * expects after it, which field types it is defined for, and how a comparison compiles to a
 * test. Tests are built once at load time; at evaluation they only run.
 */

/** One extracted value. k8s audit fields are strings; `len()` yields numbers. */
export type Scalar = string | number;

export type FieldType = 'string' | 'number';

export type ScalarTest = (value: Scalar) => boolean;
export type ListTest = (values: readonly Scalar[]) => boolean;

/**
 * What one pattern comparison (`regex`, `glob`, `iglob`) may cost, since rule text is untrusted
 * and the comparisons run on the event loop: the size of the compiled pattern (checked at load),
 * and the steps of one match (checked while matching).
 */
export interface MatchLimits {
  /** Largest pattern: regex instructions once `{n,m}` is expanded, or glob tokens. */
  maxPatternSize: number;
  /**
   * Most steps one comparison may take (a step: one character against one live pattern state).
   * A comparison that would take more throws MATCH_LIMIT_EVALUATION_ERROR: the rule does not
   * match that event. So at most this many characters of a value are ever scanned.
   */
  maxMatchSteps: number;
}

export const DEFAULT_MATCH_LIMITS: MatchLimits = { maxPatternSize: 10_000, maxMatchSteps: 4_000_000 };

/** A compile failure: the message, and PATTERN_LIMIT when the operand is valid but over a limit. */
export interface OperandProblem {
  error: string;
  code?: 'PATTERN_LIMIT';
}

/** Which kind of right-hand side the grammar reads after the operator. */
export type OperatorClass = 'unary' | 'num' | 'str' | 'list';

export interface Operator {
  /** As written in conditions, e.g. `startswith`, `!=`. */
  readonly name: string;
  readonly class: OperatorClass;
  /** Why it exists, for docs and the rule editor's completion. */
  readonly description: string;
  /** Field types the operator is defined for on scalar fields (libsinsp's flt_is_comparable). */
  readonly types: readonly FieldType[];
  /**
   * Builds the test for scalar fields from the right-hand side values (one for str/num
   * operators, any number for list operators, none for unary). Returns an error message when
   * the operands are invalid (bad regex...). Operands are already converted to the field type.
   * Pattern operators bound themselves by `limits` (the defaults when absent).
   */
  compile(operands: readonly Scalar[], type: FieldType, limits?: MatchLimits): ScalarTest | OperandProblem;
  /**
   * Builds the test for list-typed fields; present only for the operators Falco ≥ 0.32 defines
   * on lists (`in`, `intersects`, `exists`).
   */
  compileForList?(operands: readonly Scalar[], type: FieldType): ListTest;
  /** Compares two extracted values (`field op val(other)`); absent when Falco forbids it. */
  compare?(left: Scalar, right: Scalar, limits?: MatchLimits): boolean;
}

export const STRING_ONLY: readonly FieldType[] = ['string'];
export const ANY_TYPE: readonly FieldType[] = ['string', 'number'];
export const NO_TYPE: readonly FieldType[] = [];

/** Helper for the many operators that only make sense on strings. */
export function stringTest(test: (value: string) => boolean): ScalarTest {
  return (value) => typeof value === 'string' && test(value);
}
