/**
 * Conditions over alerts rather than audit events: an output's `when:` routing filter, in
 * Falco's condition syntax, compiled once at config load by the same parser and compiler the
 * rules use. Only the field set differs: the alert's own keys (undotted, unlike Falco's
 * fields) and any output field by its name.
 */
import { ConditionCompiler } from './condition/compiler';
import { EvaluationError, type EvalState, type Predicate } from './condition/eval-state';
import { DEFAULT_PARSE_LIMITS, parseCondition } from './condition/parser';
import type { ErrorCode } from './errors';
import { EventContext, type Extractor, type FieldDefinition, type FieldValue } from './fields/field';
import { parsePriority, priorityValue, type Priority } from './priority';

/** What a routing condition can see of an alert. */
export interface RoutableAlert {
  rule: string;
  priority: Priority;
  source: string;
  hostname: string;
  cluster: string;
  output: string;
  tags: readonly string[];
  output_fields: Readonly<Record<string, unknown>>;
}

export interface AlertConditionError {
  code: ErrorCode | 'LIST_FIELD_SCALAR_OPERATOR';
  message: string;
  /** Offsets in the condition text (end exclusive). */
  start: number;
  end: number;
}

export type AlertConditionResult = { ok: true; condition: AlertCondition } | { ok: false; error: AlertConditionError };

/** Carries the alert through the compiler's extractors, which are typed for events. */
class AlertContext extends EventContext {
  constructor(readonly alert: RoutableAlert) {
    super({}, { seconds: 0, nanos: 0 }, alert.hostname);
  }
}

const alertOf = (event: EventContext): RoutableAlert => (event as AlertContext).alert;

function scalarField(name: 'rule' | 'source' | 'hostname' | 'cluster' | 'output', description: string, read: (alert: RoutableAlert) => string): FieldDefinition {
  return { name, description, list: false, argument: 'none', argumentRequired: false, bind: () => (event) => read(alertOf(event)) };
}

/** An output field's value as conditions compare it: text; absent when null or missing. */
function outputFieldValue(value: unknown): FieldValue {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  // A number kept exact by its reader (an object with its own toString, e.g. lossless-json's)
  // compares as its digits; other objects and arrays as their JSON.
  const ownText = (value as { toString: () => string }).toString;
  if (!Array.isArray(value) && ownText !== Object.prototype.toString) return ownText.call(value);
  return JSON.stringify(value);
}

/** Own keys only: a field called `constructor` must not read Object's member. */
function ownOutputField(alert: RoutableAlert, name: string): ReturnType<typeof outputFieldValue> {
  return outputFieldValue(Object.hasOwn(alert.output_fields, name) ? alert.output_fields[name] : undefined);
}

function outputField(name: string): FieldDefinition {
  const extract: Extractor = (event) => ownOutputField(alertOf(event), name);
  return { name, description: `the output field ${name}`, list: false, argument: 'none', argumentRequired: false, bind: () => extract };
}

const ALERT_FIELD_LIST: readonly FieldDefinition[] = [
    scalarField('rule', 'the rule that produced the alert', (alert) => alert.rule),
    scalarField('source', 'the alert source (syscall, k8s_audit, …)', (alert) => alert.source),
    scalarField('hostname', 'the host (or, for audit alerts, the cluster name) that sent it', (alert) => alert.hostname),
    scalarField('cluster', 'the cluster the alert was received for', (alert) => alert.cluster),
    scalarField('output', 'the alert text', (alert) => alert.output),
    {
      name: 'priority',
      description: 'the priority; compared by severity (priority >= Warning), names case-insensitive',
      list: false,
      argument: 'none',
      argumentRequired: false,
      type: 'number',
      parseLiteral: (text: string) => {
        const priority = parsePriority(text);
        return priority === undefined ? undefined : priorityValue(priority);
      },
      bind: () => (event: EventContext) => priorityValue(alertOf(event).priority),
    },
    {
      name: 'tags',
      description: 'the rule tags (a list: use in, intersects or exists)',
      list: true,
      argument: 'none',
      argumentRequired: false,
      bind: () => (event: EventContext) => {
        const tags = alertOf(event).tags;
        return tags.length === 0 ? undefined : tags;
      },
    },
    {
      name: 'output_fields',
      description: 'an output field by key, for keys that are not plain dotted names: output_fields[evt.arg.x]',
      list: false,
      argument: 'key',
      argumentRequired: true,
      bind: (key: string | undefined) => (event: EventContext) => ownOutputField(alertOf(event), key ?? ''),
    },
];

const ALERT_FIELDS: ReadonlyMap<string, FieldDefinition> = new Map(ALERT_FIELD_LIST.map((field) => [field.name, field]));

const BARE_FIELD_NAMES: ReadonlySet<string> = new Set(ALERT_FIELDS.keys());

/** Alert keys first; any other dotted name is an output field (they vary by rule and source). */
function findAlertField(name: string): FieldDefinition | undefined {
  return ALERT_FIELDS.get(name) ?? (name.includes('.') ? outputField(name) : undefined);
}

export class AlertCondition {
  private readonly state: EvalState;

  constructor(
    readonly text: string,
    private readonly predicate: Predicate,
    compiler: ConditionCompiler,
  ) {
    this.state = compiler.newState();
  }

  /** False also when a comparison cannot be evaluated (a regex over its step limit), as a rule does not match then. */
  matches(alert: RoutableAlert): boolean {
    this.state.reset(new AlertContext(alert));
    try {
      return this.predicate(this.state);
    } catch (error) {
      if (error instanceof EvaluationError) return false;
      throw error;
    }
  }
}

/** The fields a routing condition may use, for docs and the dashboard. */
export const ALERT_CONDITION_FIELDS: readonly string[] = [...ALERT_FIELDS.keys(), '<any output field, e.g. k8s.ns.name or ka.target.namespace>'];

const MAX_NODES = 10_000;

/**
 * `rul = x` parses as the macro `rul` followed by a stray `=`; with no macros here, the useful
 * message is that `rul` is not a field.
 */
function unknownWordBefore(text: string, error: AlertConditionError): AlertConditionError | undefined {
  if (error.code !== 'UNEXPECTED_TOKEN') return undefined;
  const word = /([A-Za-z_]\w*)\s*$/.exec(text.slice(0, error.start));
  if (word?.[1] === undefined || BARE_FIELD_NAMES.has(word[1]) || ['and', 'or', 'not'].includes(word[1])) return undefined;
  const start = error.start - word[0].length;
  return { code: 'UNKNOWN_FIELD', message: notAField(word[1]), start, end: start + word[1].length };
}

function notAField(word: string): string {
  return `'${word}' is not a field of alerts (${[...BARE_FIELD_NAMES].join(', ')}, or an output field such as k8s.ns.name); routing conditions have no macros`;
}

export function compileAlertCondition(text: string): AlertConditionResult {
  if (text.trim() === '') return { ok: false, error: { code: 'EMPTY_CONDITION', message: 'the condition is empty', start: 0, end: 0 } };
  const parsed = parseCondition(text, { ...DEFAULT_PARSE_LIMITS, maxLength: 64 * 1024, namedNumbers: true, bareFieldNames: BARE_FIELD_NAMES });
  if (!parsed.ok) return { ok: false, error: unknownWordBefore(text, parsed.error) ?? parsed.error };
  const compiler = new ConditionCompiler(new Map(), new Map(), MAX_NODES, findAlertField);
  const origin = {};
  const compiled = compiler.compile(parsed.ast, origin);
  if (!compiled.ok) {
    const { code, message, start, end } = compiled.problem;
    // No macros exist here: say so rather than Falco's "undefined macro".
    const unknownWord = code === 'UNKNOWN_MACRO' ? notAField(text.slice(start, end)) : message;
    return { ok: false, error: { code: code === 'UNKNOWN_MACRO' ? 'UNKNOWN_FIELD' : code, message: unknownWord, start, end } };
  }
  // Falco ≥ 0.32 rejects a scalar operator on a list field; rules keep it for old files, a new
  // routing condition has no such excuse.
  const listMisuse = compiler.warnings[0];
  if (listMisuse !== undefined) return { ok: false, error: { code: 'OPERATOR_NOT_SUPPORTED', message: listMisuse.message.replace(/: Falco ≥ 0\.32.*$/, ''), start: listMisuse.start, end: listMisuse.end } };
  return { ok: true, condition: new AlertCondition(text, compiled.predicate, compiler) };
}
