import { describe, expect, it } from 'vitest';
import { findOperator, isListOperator, OPERATORS, OPERATORS_BY_CLASS } from './registry';

describe('the operator registry', () => {
  it('lists every operator once, with the grammar class the parser reads', () => {
    const names = OPERATORS.map((op) => op.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(['!=', '<', '<=', '=', '==', '>', '>=', 'bcontains', 'bstartswith', 'contains', 'endswith', 'exists', 'glob', 'icontains', 'iglob', 'in', 'intersects', 'pmatch', 'regex', 'startswith'].sort());
    expect(OPERATORS_BY_CLASS.unary).toEqual(['exists']);
    expect(OPERATORS_BY_CLASS.num).toEqual(['<=', '>=', '<', '>']);
    expect(OPERATORS_BY_CLASS.list).toEqual(['intersects', 'pmatch', 'in']);
    expect(OPERATORS_BY_CLASS.str.indexOf('==')).toBeLessThan(OPERATORS_BY_CLASS.str.indexOf('='));
  });

  it('marks in, intersects and exists as the operators defined on list fields', () => {
    expect(OPERATORS.filter(isListOperator).map((op) => op.name).sort()).toEqual(['exists', 'in', 'intersects']);
    expect(findOperator('nope')).toBeUndefined();
  });
});
