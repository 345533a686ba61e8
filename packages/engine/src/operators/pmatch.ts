import type { Operator } from './operator';
import { stringOnly, stringTest } from './operator';

/**
 * `pmatch (/a/b, /c)`: the value is one of the paths or lies below one of them (a path-prefix
 * match at directory boundaries: `/a/b` matches `/a/b` and `/a/b/c`, not `/a/bc`).
 */
export const pmatchOperator: Operator = {
  name: 'pmatch',
  arity: 'list',
  description: 'the path equals or lies under one of the listed paths',
  supports: stringOnly,
  compile: (items) => {
    const prefixes = items.map((item) => String(item).replace(/\/+$/, ''));
    return stringTest((value) => {
      for (const prefix of prefixes) {
        if (prefix === '') {
          if (value.startsWith('/')) return true;
        } else if (value === prefix || (value.startsWith(prefix) && value.charCodeAt(prefix.length) === 47)) return true;
      }
      return false;
    });
  },
};
