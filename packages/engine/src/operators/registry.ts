import { bcontainsOperator, bstartswithOperator } from './bytes';
import { containsOperator } from './contains';
import { endswithOperator } from './endswith';
import { equalsOperator } from './equals';
import { existsOperator } from './exists';
import { globMatchOperator, iglobOperator } from './glob';
import { icontainsOperator } from './icontains';
import { inOperator } from './in';
import { intersectsOperator } from './intersects';
import type { Operator, OperatorClass } from './operator';
import { notEqualsOperator } from './not-equals';
import { orderingOperator } from './ordering';
import { pmatchOperator } from './pmatch';
import { regexOperator } from './regex';
import { startswithOperator } from './startswith';

/** The one list of operators. The parser reads operator spellings (and classes) from here. */
export const OPERATORS: readonly Operator[] = [
  existsOperator,
  orderingOperator('<='),
  orderingOperator('<'),
  orderingOperator('>='),
  orderingOperator('>'),
  equalsOperator('=='),
  equalsOperator('='),
  notEqualsOperator,
  globMatchOperator,
  iglobOperator,
  containsOperator,
  icontainsOperator,
  bcontainsOperator,
  startswithOperator,
  bstartswithOperator,
  endswithOperator,
  regexOperator,
  intersectsOperator,
  inOperator,
  pmatchOperator,
];

const BY_NAME: ReadonlyMap<string, Operator> = new Map(OPERATORS.map((op) => [op.name, op]));

export function findOperator(name: string): Operator | undefined {
  return BY_NAME.get(name);
}

/**
 * Spellings per grammar class, longest first within a class so `<=` wins over `<` and `==`
 * over `=` (word operators need a word boundary, so `in` never eats `intersects`).
 */
export const OPERATORS_BY_CLASS: Readonly<Record<OperatorClass, readonly string[]>> = (() => {
  const out: Record<OperatorClass, string[]> = { unary: [], num: [], str: [], list: [] };
  for (const op of OPERATORS) out[op.class].push(op.name);
  for (const names of Object.values(out)) names.sort((a, b) => b.length - a.length);
  return out;
})();

/** Operators Falco ≥ 0.32 defines on list fields. */
export function isListOperator(op: Operator): boolean {
  return op.compileForList !== undefined;
}
