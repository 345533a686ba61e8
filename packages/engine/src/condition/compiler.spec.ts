import { describe, expect, it } from 'vitest';
import { eventContext } from '../events';
import { ConditionCompiler, normalizeListItem, type MacroEntry, type Problem } from './compiler';
import { LIST_FIELD_EVALUATION_ERROR } from './eval-state';
import { parseCondition } from './parser';

interface Setup {
  lists?: Record<string, string[]>;
  macros?: Record<string, string>;
}

function compiler(setup: Setup): ConditionCompiler {
  const macros = new Map<string, MacroEntry>();
  Object.entries(setup.macros ?? {}).forEach(([name, text], index) => {
    macros.set(name, { name, index, visibility: index, parsed: parseCondition(text), origin: { macro: name } });
  });
  return new ConditionCompiler(new Map(Object.entries(setup.lists ?? {})), macros, 10_000);
}

function compile(condition: string, setup: Setup = {}): { match: (event: Record<string, unknown>) => boolean; compiler: ConditionCompiler } {
  const c = compiler(setup);
  const parsed = parseCondition(condition);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const result = c.compile(parsed.ast, { rule: true });
  if (!result.ok) throw new Error(`${result.problem.code}: ${result.problem.message}`);
  const state = c.newState();
  return {
    compiler: c,
    match: (event) => {
      const context = eventContext(audit(event), 'host');
      if (context === undefined) throw new Error('not an event');
      state.reset(context);
      return result.predicate(state);
    },
  };
}

function problem(condition: string, setup: Setup = {}): Problem {
  const parsed = parseCondition(condition);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const result = compiler(setup).compile(parsed.ast, { rule: true });
  if (result.ok) throw new Error(`expected a problem for ${condition}`);
  return result.problem;
}

function audit(fields: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'Event', auditID: 'id', stageTimestamp: '2024-05-06T07:08:09.5Z', ...fields };
}

const pod = (containers: unknown[]): Record<string, unknown> => ({ requestObject: { spec: { containers } } });

describe('compiled conditions', () => {
  it('are false on a value that cannot be extracted, for every operator (including !=)', () => {
    const cases = ['ka.impuser.name = x', 'ka.impuser.name != x', 'ka.impuser.name contains x', 'ka.impuser.name in (x)', 'ka.impuser.name startswith x', 'ka.impuser.name > 1'];
    for (const condition of cases) expect(compile(condition).match({}), condition).toBe(false);
    expect(compile('not ka.impuser.name = x').match({})).toBe(true);
    expect(compile('ka.impuser.name exists').match({})).toBe(false);
    expect(compile('ka.impuser.name exists').match({ impersonatedUser: { username: 'x' } })).toBe(true);
  });

  it('give ka.* fields no value on JSON without auditID (the plugin ignores it), jevt.* still work', () => {
    const { match } = compile('ka.verb exists');
    expect(match({ verb: 'get' })).toBe(true);
    const context = eventContext({ verb: 'get', stageTimestamp: '2024-05-06T07:08:09Z' }, '');
    const c = compiler({});
    const parsed = parseCondition('ka.verb exists or jevt.value[/verb] = get');
    if (!parsed.ok || context === undefined) throw new Error('setup');
    const result = c.compile(parsed.ast, {});
    const state = c.newState();
    state.reset(context);
    expect(result.ok && result.predicate(state)).toBe(true);
  });

  it('apply Falco ≥ 0.32 list semantics: in = all values, intersects = any, exists = non-empty', () => {
    const groups = (g: string[]): Record<string, unknown> => ({ user: { groups: g } });
    expect(compile('ka.user.groups in (a, b)').match(groups(['a', 'b']))).toBe(true);
    expect(compile('ka.user.groups in (a, b)').match(groups(['a', 'c']))).toBe(false);
    expect(compile('ka.user.groups intersects (c, d)').match(groups(['a', 'c']))).toBe(true);
    expect(compile('ka.user.groups intersects (x)').match(groups(['a']))).toBe(false);
    expect(compile('ka.user.groups exists').match(groups([]))).toBe(false);
    expect(compile('ka.user.groups in (a)').match(groups([]))).toBe(false);
  });

  it('accept a scalar operator on a list field with a warning, failing the rule only when reached', () => {
    const { match, compiler: c } = compile('ka.verb = get and ka.user.groups contains adm');
    expect(c.warnings.map((w) => w.code)).toEqual(['LIST_FIELD_SCALAR_OPERATOR']);
    expect(match({ verb: 'list', user: { groups: ['admins'] } })).toBe(false);
    expect(match({ verb: 'get' })).toBe(false);
    expect(() => match({ verb: 'get', user: { groups: ['admins'] } })).toThrow(LIST_FIELD_EVALUATION_ERROR);
  });

  it('treat an indexed list field as one value', () => {
    const event = pod([{ image: 'nginx:1.25' }, { image: 'docker.io/library/redis@sha256:abc' }]);
    expect(compile('ka.req.pod.containers.image[1] = docker.io/library/redis@sha256:abc').match(event)).toBe(true);
    expect(compile('ka.req.pod.containers.image.repository[0] startswith ngin').match(event)).toBe(true);
    expect(compile('ka.req.pod.containers.image[5] exists').match(event)).toBe(false);
    expect(compile('ka.req.pod.containers.image.repository in (nginx, docker.io/library/redis)').match(event)).toBe(true);
  });

  it('expand bare list names in list values, not quoted ones, and `in name`', () => {
    const lists = { admins: ['alice', 'bob'], empty: [], one: ['get'] };
    const user = (name: string): Record<string, unknown> => ({ user: { username: name }, verb: 'get' });
    expect(compile('ka.user.name in (admins)', { lists }).match(user('bob'))).toBe(true);
    expect(compile('ka.user.name in ("admins")', { lists }).match(user('bob'))).toBe(false);
    expect(compile('ka.user.name in ("admins")', { lists }).match(user('admins'))).toBe(true);
    expect(compile('ka.user.name in (empty, carol)', { lists }).match(user('carol'))).toBe(true);
    expect(compile('ka.user.name in admins', { lists }).match(user('alice'))).toBe(true);
    expect(compile('ka.verb = one', { lists }).match(user('x'))).toBe(true);
    expect(problem('ka.verb = admins', { lists }).code).toBe('INVALID_VALUE');
    expect(problem('ka.verb in nolist', { lists })).toMatchObject({ code: 'UNKNOWN_LIST', start: 11, end: 17 });
  });

  it('report which lists and macros they use', () => {
    const { compiler: c } = compile('m and ka.user.name in (admins)', { lists: { admins: ['a'], other: ['b'] }, macros: { m: 'ka.verb in (other)' } });
    expect([...c.usedLists].sort()).toEqual(['admins', 'other']);
    expect([...c.usedMacros]).toEqual(['m']);
  });

  it('expand macros with the visibility Falco gives them', () => {
    const macros = { early: 'ka.verb = get', late: 'early and ka.user.name = bob' };
    expect(compile('late', { macros }).match({ verb: 'get', user: { username: 'bob' } })).toBe(true);
    // `early` is defined before `late`, not the other way round.
    expect(problem('x', { macros: { x: 'y', y: 'ka.verb = get' } })).toMatchObject({ code: 'UNKNOWN_MACRO', origin: { macro: 'x' }, start: 0, end: 1 });
    expect(problem('nomacro').code).toBe('UNKNOWN_MACRO');
    expect(problem('admins', { lists: { admins: [] } }).message).toContain('is a list');
  });

  it('check operators against field types, values and regexes at compile time', () => {
    expect(problem('ka.verb bcontains 2f')).toMatchObject({ code: 'OPERATOR_NOT_SUPPORTED', start: 8, end: 17 });
    expect(problem('len(ka.user.groups) contains 1').code).toBe('OPERATOR_NOT_SUPPORTED');
    expect(problem('len(ka.user.groups) = abc').code).toBe('INVALID_VALUE');
    expect(problem('ka.uri regex "a(b"').code).toBe('INVALID_REGEX');
    expect(problem('ka.nope = 1')).toMatchObject({ code: 'UNKNOWN_FIELD', start: 0, end: 7 });
    expect(problem('ka.uri.param = 1').code).toBe('INVALID_FIELD_ARGUMENT');
    expect(problem('ka.verb[0] = get').code).toBe('INVALID_FIELD_ARGUMENT');
    expect(problem('ka.req.pod.containers.image[x] = a')).toMatchObject({ code: 'INVALID_FIELD_ARGUMENT', start: 28, end: 29 });
    expect(problem('ka.uri regex val(ka.verb)').code).toBe('OPERATOR_NOT_SUPPORTED');
  });

  it('run transformers and field-to-field comparisons', () => {
    const event = { user: { username: 'Admin', groups: ['a', 'b', 'c'] }, objectRef: { name: 'admin', resource: 'pods' }, requestURI: '/x/y/z' };
    expect(compile('tolower(ka.user.name) = admin').match(event)).toBe(true);
    expect(compile('toupper(ka.target.name) = ADMIN').match(event)).toBe(true);
    expect(compile('len(ka.user.groups) >= 3').match(event)).toBe(true);
    expect(compile('len(ka.user.groups) > 10').match(event)).toBe(false);
    expect(compile('basename(ka.uri) = z').match(event)).toBe(true);
    expect(compile('tolower(ka.user.name) = val(ka.target.name)').match(event)).toBe(true);
    expect(compile('ka.user.name = val(ka.target.name)').match(event)).toBe(false);
    expect(compile('ka.target.name in val(ka.user.groups)').match({ ...event, objectRef: { name: 'b' } })).toBe(true);
    expect(compile('b64(jevt.value[/data]) = hello').match({ data: 'aGVsbG8=' })).toBe(true);
  });

  it('compile each macro once however many rules use it', () => {
    const c = compiler({ macros: { m: 'ka.verb = get' } });
    const first = parseCondition('m');
    const second = parseCondition('m and m');
    if (!first.ok || !second.ok) throw new Error('setup');
    const a = c.compile(first.ast, {});
    c.compile(second.ast, {});
    expect(a.ok).toBe(true);
    expect(c.extractors).toHaveLength(1);
  });
});

describe('list items as written in rules files', () => {
  it('lose their quotes the way the condition parser would read them', () => {
    expect(normalizeListItem('"foo bar"')).toBe('foo bar');
    expect(normalizeListItem("'x'")).toBe('x');
    expect(normalizeListItem('plain')).toBe('plain');
    expect(normalizeListItem('"unbalanced')).toBe('"unbalanced');
    expect(normalizeListItem('"a" "b"')).toBe('"a" "b"');
  });
});
