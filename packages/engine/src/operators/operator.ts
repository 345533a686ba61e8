/**
 * An operator of the condition language: how it is written, which operands it takes, which field
 * types it is defined for, and how a comparison compiles to a test. Tests are built once at load
 * time; at evaluation they only run.
 */

/** A single extracted field value. */
export type Scalar = string | number;

/** The value types a field can have (the k8s audit fields are all strings, as in the plugin). */
export type FieldType = 'string' | 'number';

export type ScalarTest = (value: Scalar) => boolean;
export type ListTest = (values: readonly Scalar[]) => boolean;

export type OperatorArity = 'unary' | 'binary' | 'list';

export interface Operator {
  /** As written in conditions, e.g. `startswith`, `!=`. */
  name: string;
  arity: OperatorArity;
  /** Why it exists, for docs and the rule editor's completion. */
  description: string;
  /** Defined for scalar fields of this type? */
  supports(type: FieldType): boolean;
  /**
   * Builds the test for scalar fields from the right-hand side values (one for binary, any number
   * for list operators, none for unary). Returns an error message when the operands are invalid
   * (bad hex, bad regex...).
   */
  compile(operands: readonly Scalar[], type: FieldType): ScalarTest | { error: string };
  /** Builds the test for list-typed fields; absent when the operator is not defined on lists. */
  compileForList?(operands: readonly Scalar[], type: FieldType): ListTest;
}

export const stringOnly = (type: FieldType): boolean => type === 'string';
export const anyType = (): boolean => true;

/** Helper for the many operators that only make sense on strings. */
export function stringTest(test: (value: string) => boolean): ScalarTest {
  return (value) => typeof value === 'string' && test(value);
}
