import { bcontainsOperator, bstartswithOperator } from './bytes';
import { containsOperator } from './contains';
import { endswithOperator } from './endswith';
import { equalsOperator } from './equals';
import { existsOperator } from './exists';
import { globMatchOperator, iglobOperator } from './glob';
import { icontainsOperator } from './icontains';
import { inOperator } from './in';
import { intersectsOperator } from './intersects';
import type { Operator } from './operator';
import { notEqualsOperator } from './not-equals';
import { orderingOperator } from './ordering';
import { pmatchOperator } from './pmatch';
import { regexOperator } from './regex';
import { startswithOperator } from './startswith';

/** The one list of operators. The parser reads operator spellings from here. */
const ALL: readonly Operator[] = [
  equalsOperator('='),
  equalsOperator('=='),
  notEqualsOperator,
  orderingOperator('<'),
  orderingOperator('<='),
  orderingOperator('>'),
  orderingOperator('>='),
  containsOperator,
  icontainsOperator,
  bcontainsOperator,
  startswithOperator,
  bstartswithOperator,
  endswithOperator,
  globMatchOperator,
  iglobOperator,
  regexOperator,
  inOperator,
  intersectsOperator,
  pmatchOperator,
  existsOperator,
];

export const OPERATORS: ReadonlyMap<string, Operator> = new Map(ALL.map((op) => [op.name, op]));

const isSymbolic = (name: string): boolean => !/^[a-z]+$/.test(name);

/** Symbolic spellings, longest first so `<=` wins over `<`. */
export const SYMBOLIC_OPERATORS: readonly string[] = ALL.map((op) => op.name)
  .filter(isSymbolic)
  .sort((a, b) => b.length - a.length);

export const WORD_OPERATORS: readonly string[] = ALL.map((op) => op.name).filter((name) => !isSymbolic(name));

export function findOperator(name: string): Operator | undefined {
  return OPERATORS.get(name);
}
