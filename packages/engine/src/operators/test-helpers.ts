import type { Operator, Scalar, ScalarTest, ListTest, FieldType } from './operator';

/** Compiles a scalar test or fails the spec with the operator's own error. */
export function scalarTest(operator: Operator, operands: readonly Scalar[], type: FieldType = 'string'): ScalarTest {
  const test = operator.compile(operands, type);
  if (typeof test !== 'function') throw new Error(test.error);
  return test;
}

export function listTest(operator: Operator, operands: readonly Scalar[], type: FieldType = 'string'): ListTest {
  if (operator.compileForList === undefined) throw new Error(`${operator.name} is not defined on lists`);
  return operator.compileForList(operands, type);
}
