import { NO_TYPE, type Operator } from './operator';

/**
 * `bcontains` and `bstartswith` take hexadecimal bytes (`bcontains 2f6574`). libsinsp defines
 * them only for byte-buffer fields; no k8s audit field is one, so the grammar accepts them and
 * the compiler reports OPERATOR_NOT_SUPPORTED, exactly where Falco fails the rule.
 */
function bytesOperator(name: 'bcontains' | 'bstartswith'): Operator {
  return {
    name,
    class: 'str',
    description: name === 'bcontains' ? 'the value bytes contain the hex bytes (byte-buffer fields only)' : 'the value bytes start with the hex bytes (byte-buffer fields only)',
    types: NO_TYPE,
    compile: () => ({ error: `'${name}' is defined only for byte-buffer fields` }),
  };
}

export const bcontainsOperator = bytesOperator('bcontains');
export const bstartswithOperator = bytesOperator('bstartswith');
