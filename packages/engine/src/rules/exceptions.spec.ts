import { describe, expect, it } from 'vitest';
import type { ExceptionEntry, ExceptionInfo } from './collector';
import { exceptionCondition, ExceptionShapeError } from './exceptions';
import { SourceFile } from './source-map';

const s = (item: string): ExceptionEntry => ({ list: false, item });
const l = (...items: ExceptionEntry[]): ExceptionEntry => ({ list: true, items });
const exception = (fields: ExceptionEntry, values: ExceptionEntry[], comps?: ExceptionEntry): ExceptionInfo => ({
  name: 'e',
  fields,
  ...(comps ? { comps } : {}),
  values,
  context: { type: 'exception', name: 'e', location: { file: new SourceFile('f', ''), offset: 0 } },
});

describe('exception conditions', () => {
  it('build the text Falco builds for a single field', () => {
    expect(exceptionCondition(exception(s('ka.user.name'), [s('alice'), s('bob smith')], s('in')))).toBe('(ka.user.name in (alice, "bob smith"))');
    expect(exceptionCondition(exception(s('ka.user.name'), []))).toBe('');
  });

  it('build the text Falco builds for field tuples', () => {
    const text = exceptionCondition(exception(l(s('ka.user.name'), s('ka.target.namespace')), [l(s('bob'), l(s('a'), s('b c'))), l(s('carol'), s('x'))], l(s('='), s('in'))));
    expect(text).toBe('(( ka.user.name = bob and  ka.target.namespace in (a, "b c")) or ( ka.user.name = carol and  ka.target.namespace in (x)))');
  });

  it('refuse values that do not fit the fields', () => {
    expect(() => exceptionCondition(exception(l(s('a.b'), s('c.d')), [l(s('x'))]))).toThrow(ExceptionShapeError);
    expect(() => exceptionCondition(exception(s('a.b'), [l(s('x'))]))).toThrow(ExceptionShapeError);
  });
});
