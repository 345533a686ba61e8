import { STRING_ONLY, stringTest, type Operator } from './operator';

/**
 * `pmatch (/a/b, /c)`: the value is one of the paths or lies below one of them (a path-prefix
 * match at directory boundaries: `/a/b` matches `/a/b` and `/a/b/c`, not `/a/bc`).
 */
export function pathPrefixMatcher(paths: readonly string[]): (value: string) => boolean {
  const prefixes = paths.map((path) => path.replace(/\/+$/, ''));
  return (value) => {
    for (const prefix of prefixes) {
      if (prefix === '') {
        if (value.startsWith('/')) return true;
      } else if (value === prefix || (value.startsWith(prefix) && value.charCodeAt(prefix.length) === 47)) return true;
    }
    return false;
  };
}

export const pmatchOperator: Operator = {
  name: 'pmatch',
  class: 'list',
  description: 'the path equals or lies under one of the listed paths',
  types: STRING_ONLY,
  compile: (items) => stringTest(pathPrefixMatcher(items.map(String))),
};
