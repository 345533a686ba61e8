import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Expr } from './ast';
import { parseCondition, type ParseResult } from './parser';

function ast(text: string): Expr {
  const result = parseCondition(text);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.ast;
}

function error(text: string): Extract<ParseResult, { ok: false }>['error'] {
  const result = parseCondition(text);
  if (result.ok) throw new Error(`expected an error for ${text}`);
  return result.error;
}

/** A compact rendering to compare shapes: (and a b), (not x), field op value. */
function show(node: Expr): string {
  switch (node.kind) {
    case 'and':
    case 'or':
      return `(${node.kind} ${node.operands.map(show).join(' ')})`;
    case 'not':
      return `(not ${show(node.operand)})`;
    case 'macro':
      return node.name;
    case 'check': {
      const field = node.field.kind === 'field' ? `${node.field.name}${node.field.arg === undefined ? '' : `[${node.field.arg}]`}` : `${node.field.name}(…)`;
      const value = node.value;
      const rhs =
        value === undefined
          ? ''
          : value.kind === 'value'
            ? ` ${value.quoted ? JSON.stringify(value.text) : value.text}`
            : value.kind === 'list'
              ? ` (${value.items.map((i) => i.text).join(',')})`
              : value.kind === 'listref'
                ? ` @${value.name}`
                : ' val(…)';
      return `${field} ${node.operator}${rhs}`;
    }
  }
}

describe('the condition parser', () => {
  it('gives and precedence over or, and flattens chains', () => {
    expect(show(ast('a or b and c or d'))).toBe('(or a (and b c) d)');
    expect(show(ast('a and b and c'))).toBe('(and a b c)');
  });

  it('reads not, repeated not and not(', () => {
    expect(show(ast('not a'))).toBe('(not a)');
    expect(show(ast('not not a'))).toBe('a');
    expect(show(ast('not(a or b)'))).toBe('(not (or a b))');
    expect(show(ast('not (a) and b'))).toBe('(and (not a) b)');
  });

  it('needs a blank or ( after and/or, and a word boundary for keywords', () => {
    expect(show(ast('a and(b or c)'))).toBe('(and a (or b c))');
    expect(show(ast('notable'))).toBe('notable');
    expect(error('a andb').code).toBe('UNEXPECTED_TOKEN');
  });

  it('reads every operator class with its value class', () => {
    expect(show(ast('ka.verb=create'))).toBe('ka.verb = create');
    expect(show(ast('ka.verb == "create"'))).toBe('ka.verb == "create"');
    expect(show(ast('ka.verb != delete'))).toBe('ka.verb != delete');
    expect(show(ast('ka.response.code >= 400'))).toBe('ka.response.code >= 400');
    expect(show(ast('ka.response.code<0x1F'))).toBe('ka.response.code < 0x1F');
    expect(show(ast('ka.uri startswith /healthz?'))).toBe('ka.uri startswith /healthz?');
    expect(show(ast("ka.user.name contains 'sys'"))).toBe('ka.user.name contains "sys"');
    expect(show(ast('ka.target.subresource exists'))).toBe('ka.target.subresource exists');
    expect(show(ast('ka.verb in (create, update,patch)'))).toBe('ka.verb in (create,update,patch)');
    expect(show(ast('ka.verb in ()'))).toBe('ka.verb in ()');
    expect(show(ast('ka.verb in my_list'))).toBe('ka.verb in @my_list');
    expect(show(ast('ka.user.groups intersects ("system:masters")'))).toBe('ka.user.groups intersects (system:masters)');
    expect(show(ast('ka.uri pmatch (/a, /b)'))).toBe('ka.uri pmatch (/a,/b)');
    expect(show(ast('ka.uri regex "^/api/.*$"'))).toBe('ka.uri regex "^/api/.*$"');
    expect(show(ast('ka.uri iglob "*/PODS/*"'))).toBe('ka.uri iglob "*/PODS/*"');
  });

  it('reads field arguments, bare or quoted', () => {
    expect(show(ast('ka.req.pod.containers.image[0] = nginx'))).toBe('ka.req.pod.containers.image[0] = nginx');
    expect(show(ast('jevt.value[/annotations/authorization.k8s.io~1decision] exists'))).toBe('jevt.value[/annotations/authorization.k8s.io~1decision] exists');
    expect(show(ast('ka.uri.param["a b"] = x'))).toBe('ka.uri.param[a b] = x');
    expect(error('ka.uri.param[] = x').code).toBe('INVALID_FIELD_ARGUMENT');
    expect(error('ka.uri.param[x = y').code).toBe('UNEXPECTED_TOKEN');
  });

  it('reads transformers and val() on either side', () => {
    expect(show(ast('tolower(ka.user.name) = admin'))).toBe('tolower(…) = admin');
    expect(show(ast('ka.user.name = val(ka.target.name)'))).toBe('ka.user.name = val(…)');
    expect(show(ast('len(ka.user.groups) > 2'))).toBe('len(…) > 2');
    expect(show(ast('ka.user.name = toupper(ka.target.name)'))).toBe('ka.user.name = val(…)');
  });

  it('unescapes quoted strings as libsinsp does', () => {
    const check = ast(String.raw`ka.uri = "a\"b\\c\/d\te"`);
    expect(check.kind === 'check' && check.value?.kind === 'value' ? check.value.text : '').toBe('a"b\\c/d\te');
    expect(error(String.raw`ka.uri = "a\qb"`).code).toBe('INVALID_ESCAPE');
    expect(error(String.raw`ka.uri = "a\'b"`).code).toBe('INVALID_ESCAPE');
  });

  it('records the span of every node', () => {
    const node = ast('kevt and ka.verb in (get, list)');
    expect(node.kind).toBe('and');
    if (node.kind !== 'and') return;
    const check = node.operands[1];
    expect(check).toMatchObject({ kind: 'check', start: 9, end: 31, operatorSpan: { start: 17, end: 19 } });
    if (check?.kind === 'check') expect(check.value).toMatchObject({ kind: 'list', start: 20, end: 31 });
  });

  it('names what it expected, where', () => {
    expect(error('')).toMatchObject({ code: 'EMPTY_CONDITION' });
    expect(error('   ')).toMatchObject({ code: 'EMPTY_CONDITION' });
    expect(error('ka.verb')).toMatchObject({ code: 'UNEXPECTED_END', start: 7 });
    expect(error('ka.verb =')).toMatchObject({ code: 'UNEXPECTED_END' });
    expect(error('ka.verb = (x)')).toMatchObject({ code: 'UNEXPECTED_TOKEN', start: 10 });
    expect(error('ka.verb in (a,')).toMatchObject({ code: 'UNEXPECTED_END' });
    expect(error('ka.verb in (a b)')).toMatchObject({ code: 'UNEXPECTED_TOKEN', start: 14 });
    expect(error('ka.verb < abc')).toMatchObject({ code: 'UNEXPECTED_TOKEN', message: expect.stringContaining('a number value') as string });
    expect(error('a or')).toMatchObject({ code: 'UNEXPECTED_END' });
    expect(error('()')).toMatchObject({ code: 'UNBALANCED_PARENTHESES', start: 1 });
    expect(error('a b')).toMatchObject({ code: 'UNEXPECTED_TOKEN', start: 2, message: expect.stringContaining("expecting 'or', 'and'") as string });
    expect(error('ka.verb = "x')).toMatchObject({ code: 'UNTERMINATED_STRING', start: 10, end: 12 });
    expect(error('ka.verb matches x')).toMatchObject({ code: 'UNKNOWN_OPERATOR', start: 8, end: 15 });
  });

  it('stops at the depth and size limits', () => {
    expect(error(`${'('.repeat(300)}a${')'.repeat(300)}`).code).toBe('DEPTH_LIMIT');
    expect(parseCondition(`${'('.repeat(150)}a${')'.repeat(150)}`).ok).toBe(true);
    expect(parseCondition('not '.repeat(5000) + 'a').ok).toBe(true);
    expect(parseCondition('a and b', { maxLength: 5, maxDepth: 100 })).toMatchObject({ ok: false, error: { code: 'SIZE_LIMIT' } });
    expect(parseCondition('((a))', { maxLength: 100, maxDepth: 5 })).toMatchObject({ ok: false, error: { code: 'DEPTH_LIMIT' } });
  });

  it('points inside the text even when it ends right after a field\'s [', () => {
    expect(error('ka.req.pod.containers[')).toMatchObject({ code: 'INVALID_FIELD_ARGUMENT', start: 22, end: 22 });
    expect(error('A.A[]')).toMatchObject({ code: 'INVALID_FIELD_ARGUMENT', start: 4, end: 5 });
  });

  it('never throws, and any error lies inside the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (text) => {
        const result = parseCondition(text);
        if (!result.ok) {
          expect(result.error.start).toBeGreaterThanOrEqual(0);
          expect(result.error.end).toBeLessThanOrEqual(text.length);
          expect(result.error.start).toBeLessThanOrEqual(result.error.end);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
