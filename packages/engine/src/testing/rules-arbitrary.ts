/**
 * Generators of rules files for property tests (fast-check): lists, macros and rules with
 * append, override and exceptions, random conditions over real and unknown fields, outputs,
 * then sometimes broken YAML on top. Rule text is untrusted input (issue #16); the fuzz suites
 * of the engine (`loadRules`) and of the server (`POST /api/v1/rules/test`) share these.
 */
import fc from 'fast-check';
import { stringify } from 'yaml';
import { AUDIT_FIELDS } from '../fields/registry';
import { OPERATORS } from '../operators/registry';

const FIELD_NAMES = [...AUDIT_FIELDS.keys()];
const OPERATOR_NAMES = OPERATORS.map((operator) => operator.name);
const PRIORITIES = ['EMERGENCY', 'Alert', 'critical', 'ERROR', 'warning', 'NOTICE', 'info', 'informational', 'DEBUG', 'WARN', '', 'loud'];

/** Strings a rule author (or an attacker) might type: words, odd unicode, quotes, escapes, now and then a long one. */
export const ruleWord: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('get', 'create', 'pods', 'kube-system', 'system:anonymous', '/api/v1', 'true', 'false', '0', '-1', '1e3', '9007199254740993', 'null', '*', '**', '?', '[a-z]', '.*', '(', ')', ',', '=', '"', "'", '\\', '\\x', '%', 'ka.verb') },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('日本', '🦅', 'a\u0301', '\u202E', '\uD800', '\u0000', 'x'.repeat(5000), '(a|aa)*$', '(x+x+)+y', 'a{1000}{1000}') },
);

/** Names for lists and macros: mostly valid identifiers drawn from a small pool (so items refer to each other), sometimes not. */
export const itemName: fc.Arbitrary<string> = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('l1', 'l2', 'l3', 'm1', 'm2', 'm3', 'allowed', 'kevt', 'kcreate') }, { weight: 1, arbitrary: ruleWord });

const field: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...FIELD_NAMES) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...FIELD_NAMES), fc.oneof(fc.nat({ max: 3 }).map(String), fc.constantFrom('/user/username', 'x', '', '-1', '99999999999999999999', 'a]b', '/'), ruleWord)).map(([name, argument]) => `${name}[${argument}]`) },
  { weight: 1, arbitrary: fc.constantFrom('evt.type', 'proc.name', 'ka.nope', 'jevt.value[/a/b]', 'json.value[/x]', 'ka', 'ka.') },
);

const value: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: ruleWord.filter((w) => /^[\w./:*-]+$/.test(w)) },
  { weight: 3, arbitrary: ruleWord.map((w) => `"${w.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`) },
  { weight: 1, arbitrary: ruleWord.map((w) => `'${w.replaceAll("'", '')}'`) },
  { weight: 1, arbitrary: ruleWord },
);

const listValue: fc.Arbitrary<string> = fc.oneof(fc.array(value, { maxLength: 5 }).map((items) => `(${items.join(', ')})`), itemName, fc.array(fc.oneof(value, itemName), { maxLength: 3 }).map((items) => `(${items.join(',')})`));

/** A condition from Falco's grammar, mostly well formed, sometimes token soup. */
export const condition: fc.Arbitrary<string> = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', maxDepth: 5, withCrossShrink: true },
    fc.tuple(field, fc.constantFrom(...OPERATOR_NAMES), value, listValue).map(([f, op, v, list]) => (op === 'exists' ? `${f} exists` : ['in', 'intersects', 'pmatch'].includes(op) ? `${f} ${op} ${list}` : `${f} ${op} ${v}`)),
    itemName,
    tie('expr').map((e) => `not ${e}`),
    tie('expr').map((e) => `(${e})`),
    fc.tuple(tie('expr'), fc.constantFrom('and', 'or', 'AND', '&&'), tie('expr')).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.array(fc.oneof(field, value, fc.constantFrom('and', 'or', 'not', '(', ')', ...OPERATOR_NAMES)), { maxLength: 8 }).map((tokens) => tokens.join(' ')),
  ),
})).expr;

/** An output format: text, known and unknown `%fields`, brackets and stray percent signs. */
export const output: fc.Arbitrary<string> = fc.array(fc.oneof(ruleWord, field.map((f) => `%${f}`), fc.constantFrom('%', '%%', '%(', '%ka.user.name)', '%evt.time', '%container.info', ' ', '=')), { minLength: 1, maxLength: 8 }).map((parts) => parts.join(' '));

type Yaml = null | boolean | number | string | Yaml[] | { [key: string]: Yaml };

const scalarOrOdd = <T extends Yaml>(valid: fc.Arbitrary<T>): fc.Arbitrary<Yaml> =>
  fc.oneof({ weight: 8, arbitrary: valid }, { weight: 1, arbitrary: fc.constantFrom<Yaml>(null, '', 42, true, [], {}, ['x'], { a: 1 }) }, { weight: 1, arbitrary: ruleWord });

const overrideMap = (keys: readonly string[]): fc.Arbitrary<Yaml> =>
  fc.oneof({ weight: 4, arbitrary: fc.dictionary(fc.constantFrom(...keys), fc.constantFrom<Yaml>('append', 'replace'), { maxKeys: 3 }) }, { weight: 1, arbitrary: scalarOrOdd(fc.constant<Yaml>('append')) });

const appendFlag: fc.Arbitrary<Yaml | undefined> = fc.option(fc.constantFrom<Yaml>(true, false, 'yes', 'maybe', 1), { freq: 3, nil: undefined });

const anyList: fc.Arbitrary<Yaml> = fc
  .record({ list: scalarOrOdd(itemName), items: scalarOrOdd(fc.array(fc.oneof(ruleWord, itemName, fc.integer().map(String)), { maxLength: 6 })), append: appendFlag, override: fc.option(overrideMap(['items', 'condition']), { freq: 5, nil: undefined }) }, { requiredKeys: ['list'] })
  .map(withoutUndefined);

const anyMacro: fc.Arbitrary<Yaml> = fc
  .record({ macro: scalarOrOdd(itemName), condition: scalarOrOdd(condition), append: appendFlag, override: fc.option(overrideMap(['condition', 'items']), { freq: 5, nil: undefined }) }, { requiredKeys: ['macro'] })
  .map(withoutUndefined);

const list: fc.Arbitrary<Yaml> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ list: itemName, items: fc.array(fc.oneof(ruleWord, itemName), { maxLength: 6 }) }).map((item) => item as Yaml) },
  { weight: 1, arbitrary: fc.record({ list: itemName, items: fc.array(ruleWord, { maxLength: 3 }), append: fc.constant<Yaml>(true) }).map((item) => item as Yaml) },
  { weight: 1, arbitrary: anyList },
);

const macro: fc.Arbitrary<Yaml> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ macro: itemName, condition }).map((item) => item as Yaml) },
  { weight: 1, arbitrary: fc.record({ macro: itemName, condition: condition.map((c) => `or ${c}`), override: fc.constant<Yaml>({ condition: 'append' }) }).map((item) => item as Yaml) },
  { weight: 1, arbitrary: anyMacro },
);

const exceptionEntry: fc.Arbitrary<Yaml> = fc
  .record(
    {
      name: scalarOrOdd(fc.constantFrom('e1', 'e2', 'proc_names')),
      fields: fc.oneof(fc.array(field, { maxLength: 3 }), field, fc.constant<Yaml>(null)),
      comps: fc.oneof(fc.array(fc.constantFrom(...OPERATOR_NAMES), { maxLength: 3 }), fc.constantFrom(...OPERATOR_NAMES)),
      values: fc.oneof(fc.array(fc.oneof(fc.array(ruleWord, { maxLength: 3 }), ruleWord, fc.array(fc.array(ruleWord, { maxLength: 2 }), { maxLength: 2 })), { maxLength: 3 }), fc.constant<Yaml>('x')),
    },
    { requiredKeys: ['name'] },
  )
  .map((entry) => entry as Yaml);

const RULE_KEYS = ['condition', 'output', 'desc', 'priority', 'tags', 'exceptions', 'enabled', 'warn_evttypes', 'skip-if-unknown-filter', 'source', 'items'];
const ruleName = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('R1', 'R2', 'R3', 'Create Privileged Pod', 'Attach/Exec Pod', 'Create Disallowed Pod') }, { weight: 1, arbitrary: ruleWord });
const validException: fc.Arbitrary<Yaml> = fc.oneof(
  fc.record({ name: fc.constantFrom('e1', 'e2'), fields: fc.constant<Yaml>(['ka.user.name', 'ka.verb']), comps: fc.constant<Yaml>(['=', 'in']), values: fc.array(fc.tuple(ruleWord, fc.array(ruleWord, { maxLength: 3 })).map((pair) => pair as Yaml), { maxLength: 3 }) }),
  fc.record({ name: fc.constantFrom('e3', 'e1'), fields: fc.constant<Yaml>('ka.target.namespace'), values: fc.array(ruleWord, { maxLength: 3 }) }),
);

/** A complete rule, as a rules file would define it: mostly loadable. */
const definedRule: fc.Arbitrary<Yaml> = fc
  .record(
    {
      rule: ruleName,
      desc: ruleWord,
      condition,
      output,
      priority: fc.constantFrom(...PRIORITIES.slice(0, 9)),
      source: fc.constantFrom<Yaml>('k8s_audit', 'k8s_audit', 'k8s_audit', 'k8s_audit', 'syscall', 'aws_cloudtrail'),
      tags: fc.array(ruleWord, { maxLength: 4 }),
      enabled: fc.boolean(),
      exceptions: fc.array(validException, { maxLength: 2 }),
    },
    { requiredKeys: ['rule', 'desc', 'condition', 'output', 'priority', 'source'] },
  )
  .map((item) => item as Yaml);

/** A rule item changing an earlier one: `override` of some keys, `append: true`, or only `enabled`. */
const changedRule: fc.Arbitrary<Yaml> = fc.oneof(
  fc
    .tuple(ruleName, fc.subarray(['condition', 'output', 'desc', 'priority', 'tags', 'exceptions', 'enabled'], { minLength: 1 }), fc.boolean(), condition, output, fc.array(validException, { maxLength: 2 }))
    .map(([name, keys, appendMode, cond, out, exceptions]) => {
      const values: Record<string, Yaml> = { condition: appendMode ? `and ${cond}` : cond, output: out, desc: 'changed', priority: 'ERROR', tags: ['changed'], exceptions, enabled: false };
      const override: Record<string, Yaml> = {};
      const item: Record<string, Yaml> = { rule: name };
      for (const key of keys) {
        override[key] = appendMode && ['condition', 'output', 'desc', 'tags', 'exceptions'].includes(key) ? 'append' : 'replace';
        item[key] = values[key] ?? null;
      }
      return { ...item, override };
    }),
  fc.tuple(ruleName, condition, fc.array(validException, { maxLength: 1 })).map(([name, cond, exceptions]) => ({ rule: name, condition: `or ${cond}`, exceptions, append: true })),
  fc.tuple(ruleName, fc.boolean()).map(([name, enabled]) => ({ rule: name, enabled })),
);

/** Any mix of rule keys, odd values included. */
const anyRule: fc.Arbitrary<Yaml> = fc
  .record(
    {
      rule: scalarOrOdd(ruleName),
      desc: scalarOrOdd(ruleWord),
      condition: scalarOrOdd(condition),
      output: scalarOrOdd(output),
      priority: scalarOrOdd(fc.constantFrom(...PRIORITIES)),
      source: fc.constantFrom<Yaml>('k8s_audit', 'k8s_audit', 'k8s_audit', 'syscall', 'aws_cloudtrail', ''),
      tags: scalarOrOdd(fc.array(ruleWord, { maxLength: 4 })),
      enabled: fc.constantFrom<Yaml>(true, false, 'no', 'sometimes'),
      exceptions: fc.oneof(fc.array(exceptionEntry, { maxLength: 3 }), fc.constant<Yaml>('x')),
      append: appendFlag,
      override: overrideMap(RULE_KEYS),
      warn_evttypes: fc.boolean(),
      'skip-if-unknown-filter': fc.boolean(),
    },
    { requiredKeys: ['rule'] },
  )
  .map(withoutUndefined);

const rule: fc.Arbitrary<Yaml> = fc.oneof({ weight: 6, arbitrary: definedRule }, { weight: 3, arbitrary: changedRule }, { weight: 2, arbitrary: anyRule });

const otherItem: fc.Arbitrary<Yaml> = fc.oneof(
  fc.record({ required_engine_version: fc.constantFrom<Yaml>(0, 2, 15, 99999, '0.26.0', '1.0', 'x', null) }).map((item) => item as Yaml),
  fc.record({ required_plugin_versions: fc.constantFrom<Yaml>([{ name: 'k8saudit', version: '0.1.0' }], [{ name: 'k8saudit', version: '99.0.0', alternatives: [{ name: 'json', version: '0.1.0' }] }], [{ name: 'x' }], 'x', [1]) }).map((item) => item as Yaml),
  fc.constantFrom<Yaml>('just a string', 42, null, [], { unknown: 1 }, [{ rule: 'nested' }]),
);

/** A rules file's items (as data), most referring to the same few names so append/override/exceptions meet. */
export const rulesItems: fc.Arbitrary<Yaml[]> = fc.array(fc.oneof({ weight: 3, arbitrary: list }, { weight: 3, arbitrary: macro }, { weight: 5, arbitrary: rule }, { weight: 1, arbitrary: otherItem }), { maxLength: 10 });

/** Text that breaks YAML or the reader in ways a serialiser never would. */
const HOSTILE_TEXTS = [
  '',
  '---\n...\n---\n',
  '- rule: x\n  condition: ka.verb = get\n   output: bad indent\n',
  'a: [1, 2\n',
  '- &a {rule: A}\n- *a\n- *b\n',
  '- list: l\n  items: &i [a, b]\n- list: l2\n  items: *i\n- list: l3\n  items: [*i, *i]\n',
  `- list: l0\n  items: [${Array.from({ length: 50 }, () => 'x').join(',')}]\n${Array.from({ length: 8 }, (_, i) => `- list: l${i + 1}\n  items: [${Array.from({ length: 50 }, () => `l${i}`).join(',')}]\n`).join('')}`,
  '- macro: m\n  condition: m\n- rule: r\n  desc: d\n  condition: m\n  output: o\n  priority: INFO\n  source: k8s_audit\n',
  `- rule: deep\n  desc: d\n  condition: ${'('.repeat(2000)}ka.verb=get${')'.repeat(2000)}\n  output: o\n  priority: INFO\n  source: k8s_audit\n`,
  `- rule: deep\n  desc: d\n  condition: ${'not '.repeat(5000)}ka.verb=get\n  output: o\n  priority: INFO\n  source: k8s_audit\n`,
  '- rule: <<\n  <<: {desc: d, condition: ka.verb = get, output: o, priority: INFO}\n',
  '- !!binary aGVsbG8=\n- !custom {rule: x}\n',
  '%YAML 1.1\n---\n- rule: y\n  enabled: yes\n',
  '\uFEFF- list: bom\n  items: [a]\n',
  '- rule: "\\ud800"\n  desc: d\n  condition: ka.verb = "\\ud800"\n  output: "%ka.verb \\0"\n  priority: INFO\n  source: k8s_audit\n',
];

/** One rules file's text: serialised items (aliases where an item repeats), sometimes cut, spliced into, or hostile by hand. */
export const rulesText: fc.Arbitrary<string> = fc.oneof(
  { weight: 12, arbitrary: rulesItems.map((items) => stringify(items, { lineWidth: 0 })) },
  { weight: 2, arbitrary: fc.tuple(rulesItems, fc.nat(), fc.constantFrom('', ':', '- ', '\n', '"', "'", '{', '&x ', '*x', '\t', '#', '%', '!!str ', '\u0000')).map(([items, at, splice]) => {
      const text = stringify(items, { lineWidth: 0 });
      const cut = text.length === 0 ? 0 : at % text.length;
      return `${text.slice(0, cut)}${splice}${text.slice(cut)}`;
    }) },
  { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_TEXTS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
);

function withoutUndefined(record: Record<string, Yaml | undefined>): Yaml {
  return Object.fromEntries(Object.entries(record).filter((entry): entry is [string, Yaml] => entry[1] !== undefined));
}
