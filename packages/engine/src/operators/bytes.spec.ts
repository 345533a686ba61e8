import { describe, expect, it } from 'vitest';
import { bcontainsOperator, bstartswithOperator } from './bytes';

describe('bcontains and bstartswith', () => {
  it('exist in the grammar but apply to no field type of this source', () => {
    for (const op of [bcontainsOperator, bstartswithOperator]) {
      expect(op.types).toEqual([]);
      expect(op.compile(['2f'], 'string')).toEqual({ error: `'${op.name}' is defined only for byte-buffer fields` });
    }
  });
});
