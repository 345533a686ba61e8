/**
 * Compiles a parsed condition into a predicate made of closures: fields resolved to cache
 * slots, operators to prebuilt tests, lists and macros expanded once. Evaluating an event
 * then only runs closures (no AST walk, no regex per comparison).
 *
 * Macros are compiled once each (with what was visible where they were defined, as Falco's
 * loader does) and memoized per event, so `kevt` runs once per event however many rules use it,
 * and a "macro bomb" (a → b b, b → c c, ...) compiles in linear time; its expanded size (what
 * Falco would build) still counts against `maxNodes`.
 *
 * Rule text is untrusted, so everything that grows with it is bounded and answers a coded error
 * at a position, never a stack overflow or an allocation the process cannot survive: nodes once
 * macros are expanded, nesting depth through macros, how deep macros reference macros, the list
 * items substituted into conditions (a ListBudget shared with the list definitions), and the
 * size and match cost of regex and glob patterns.
 */
import type { ErrorCode } from '../errors';
import type { BoundField, EventContext, Extractor, FieldResolver, FieldValue } from '../fields/field';
import { checkArgument, findField as findAuditField } from '../fields/registry';
import { DEFAULT_MATCH_LIMITS, type FieldType, type MatchLimits, type Operator, type Scalar } from '../operators/operator';
import { findOperator } from '../operators/registry';
import type { CheckExpr, Expr, FieldOperand, FieldRef, Span, StringValue, TransformerRef, ValueOperand } from './ast';
import { EvalState, LIST_FIELD_EVALUATION_ERROR, type Predicate } from './eval-state';
import type { ParseResult } from './parser';
import { Lexer, isQuotedProblem } from './lexer';

/** Where a condition text came from; opaque here, the rules loader maps it to file positions. */
export type Origin = object;

export interface MacroEntry {
  name: string;
  /** Order of first definition; a macro sees the macros whose index is below its visibility. */
  index: number;
  visibility: number;
  parsed: ParseResult;
  origin: Origin;
}

export interface Problem {
  code: ErrorCode | 'LIST_FIELD_SCALAR_OPERATOR';
  message: string;
  origin: Origin;
  start: number;
  end: number;
}

export type CompileResult = { ok: true; predicate: Predicate } | { ok: false; problem: Problem };

export interface CompilerLimits {
  /** Most nodes one condition may have once its macros are expanded. */
  maxNodes: number;
  /** Deepest nesting of `and`/`or`/`not` once macros are expanded (bounds the compiler's recursion). */
  maxDepth: number;
  /** Most macros one condition may go through from its rule to the deepest macro. */
  maxMacroDepth: number;
  match: MatchLimits;
}

export const DEFAULT_COMPILER_LIMITS: CompilerLimits = { maxNodes: 100_000, maxDepth: 1000, maxMacroDepth: 100, match: DEFAULT_MATCH_LIMITS };

/**
 * The list items one load may expand to, shared by the list definitions (a list naming other
 * lists) and the conditions (a list name substituted by its items). Without it, 8 lists naming
 * a 60 000-item list 1 000 times each are 480 million strings from 213 KB of text.
 */
export class ListBudget {
  private used = 0;
  /** Lists dropped for going over: a condition naming one is over the limit too, not a literal word. */
  readonly overLimit = new Set<string>();

  constructor(readonly max: number) {}

  /**
   * Takes `count` items; false when that goes over the limit. What a dropped list took is not
   * given back: a thousand lists each just over the limit must cost one limit's work, not a
   * thousand.
   */
  take(count: number): boolean {
    this.used += count;
    return this.used <= this.max;
  }
}

class CompileFailure extends Error {
  constructor(readonly problem: Problem) {
    super(problem.message);
  }
}

interface Operand {
  slot: number;
  list: boolean;
  type: FieldType;
  key: string;
  parseLiteral?: (text: string) => number | undefined;
}

const ALWAYS_FALSE: Predicate = () => false;

export class ConditionCompiler {
  readonly extractors: Extractor[] = [];
  private readonly slotByKey = new Map<string, number>();
  private memoCount = 0;
  /**
   * A compiled macro with what it adds, once expanded, to every condition using it: its nodes,
   * its nesting depth and its macro depth (itself and the longest chain of macros below it). So
   * the limits hold the same whichever rule happened to compile the macro first.
   */
  private readonly macroResults = new Map<string, CompiledMacro | { problem: Problem }>();
  private readonly macroStack: string[] = [];
  private depth = 0;
  /** The deepest nesting and macro stack reached so far (a cached macro counts as its depths). */
  private deepestExpr = 0;
  private deepestMacro = 0;
  private readonly limits: CompilerLimits;
  readonly usedLists = new Set<string>();
  readonly usedMacros = new Set<string>();
  /** Non-fatal findings (scalar operators on list fields), deduplicated. */
  readonly warnings: Problem[] = [];
  private readonly warned = new Set<string>();
  private nodes = 0;

  /**
   * `limits` as a number is `maxNodes` alone (the other limits at their defaults). `listBudget`
   * is shared with whoever expanded `lists` (the loader), so a load has one budget.
   */
  constructor(
    private readonly lists: ReadonlyMap<string, readonly string[]>,
    private readonly macros: ReadonlyMap<string, MacroEntry>,
    limits: number | Partial<CompilerLimits>,
    private readonly findField: FieldResolver = findAuditField,
    private readonly listBudget: ListBudget = new ListBudget(Number.POSITIVE_INFINITY),
  ) {
    this.limits = { ...DEFAULT_COMPILER_LIMITS, ...(typeof limits === 'number' ? { maxNodes: limits } : limits) };
  }

  /** Compiles a rule condition; every macro is visible to rules. */
  compile(ast: Expr, origin: Origin): CompileResult {
    this.nodes = 0;
    this.depth = 0;
    this.deepestExpr = 0;
    this.deepestMacro = 0;
    this.macroStack.length = 0;
    try {
      return { ok: true, predicate: this.expr(ast, origin, Number.POSITIVE_INFINITY) };
    } catch (error) {
      if (error instanceof CompileFailure) return { ok: false, problem: error.problem };
      // A stack overflow despite the depth limits (a thread with a small stack): still a coded error.
      if (error instanceof RangeError) return { ok: false, problem: { code: 'DEPTH_LIMIT', message: 'the condition nests too deeply to compile once macros are expanded', origin, start: ast.start, end: ast.end } };
      throw error;
    }
  }

  /** The state an evaluation needs, sized for everything compiled so far. */
  newState(): EvalState {
    return new EvalState(this.extractors, this.memoCount);
  }

  /** Resolves `name[arg]` for output formats; a message when the field is unknown or misused. */
  bindField(name: string, argument: string | undefined): BoundField | string {
    const definition = this.findField(name);
    if (definition === undefined) return `unknown field '${name}'`;
    const problem = checkArgument(definition, argument);
    if (problem !== undefined) return problem;
    const indexed = definition.list && definition.argument === 'index' && argument !== undefined;
    const key = argument === undefined ? name : `${name}[${argument}]`;
    const bound: BoundField = { key, definition, list: definition.list && !indexed, type: definition.type ?? 'string', extract: definition.bind(argument) };
    if (definition.parseLiteral !== undefined) bound.parseLiteral = (text) => definition.parseLiteral?.(text);
    return bound;
  }

  slotOf(bound: BoundField): number {
    return this.slot(bound.key, bound.extract);
  }

  private slot(key: string, extract: Extractor): number {
    let slot = this.slotByKey.get(key);
    if (slot === undefined) {
      slot = this.extractors.length;
      this.extractors.push(extract);
      this.slotByKey.set(key, slot);
    }
    return slot;
  }

  private expr(node: Expr, origin: Origin, visibility: number): Predicate {
    this.count(1, origin, node);
    this.reachDepth(++this.depth, origin, node);
    try {
      return this.node(node, origin, visibility);
    } finally {
      this.depth--;
    }
  }

  private reachDepth(depth: number, origin: Origin, at: Span): void {
    if (depth > this.limits.maxDepth) this.fail('DEPTH_LIMIT', `the condition nests deeper than ${this.limits.maxDepth} levels once macros are expanded`, origin, at);
    this.deepestExpr = Math.max(this.deepestExpr, depth);
  }

  /** `depth` macros on the way down from the rule, `name` the last: within the limit, or MACRO_DEPTH_LIMIT here. */
  private reachMacroDepth(depth: number, name: string, origin: Origin, at: Span): void {
    if (depth > this.limits.maxMacroDepth) {
      const stack = this.macroStack;
      const chain = stack.length > 6 ? [...stack.slice(0, 3), '…', ...stack.slice(-2)] : stack;
      const below = depth > stack.length + 1 ? `, counting the macros it uses` : '';
      this.fail('MACRO_DEPTH_LIMIT', `macro '${name}' takes the condition ${depth} macros deep${below}, more than the limit of ${this.limits.maxMacroDepth} (${[...chain, name].join(' → ')})`, origin, at);
    }
    this.deepestMacro = Math.max(this.deepestMacro, depth);
  }

  private count(nodes: number, origin: Origin, at: Span): void {
    this.nodes += nodes;
    if (this.nodes > this.limits.maxNodes) this.fail('NODE_LIMIT', `the condition has more than ${this.limits.maxNodes} nodes once macros are expanded`, origin, at);
  }

  private node(node: Expr, origin: Origin, visibility: number): Predicate {
    switch (node.kind) {
      case 'and':
        return all(node.operands.map((operand) => this.expr(operand, origin, visibility)));
      case 'or':
        return any(node.operands.map((operand) => this.expr(operand, origin, visibility)));
      case 'not': {
        const inner = this.expr(node.operand, origin, visibility);
        return (s) => !inner(s);
      }
      case 'macro':
        return this.macro(node.name, node, origin, visibility);
      case 'check':
        return this.check(node, origin);
    }
  }

  private macro(name: string, at: Span, origin: Origin, visibility: number): Predicate {
    const entry = this.macros.get(name);
    if (entry === undefined || entry.index >= visibility) {
      if (this.lists.has(name)) this.fail('UNKNOWN_MACRO', `'${name}' is a list, not a macro: a list can only follow in, intersects or pmatch`, origin, at);
      const later = entry !== undefined ? ` (a macro by that name is defined later, and macros only see macros defined before them)` : '';
      this.fail('UNKNOWN_MACRO', `undefined macro '${name}' used in filter${later}`, origin, at);
    }
    this.usedMacros.add(name);
    if (this.macroStack.includes(name)) {
      this.fail('MACRO_CYCLE', `macro '${name}' references itself (${[...this.macroStack.slice(this.macroStack.indexOf(name)), name].join(' → ')})`, origin, at);
    }
    const cached = this.macroResults.get(name);
    if (cached !== undefined) {
      if ('problem' in cached) throw new CompileFailure(cached.problem);
      this.count(cached.size, origin, at);
      this.reachDepth(this.depth + cached.depth, origin, at);
      this.reachMacroDepth(this.macroStack.length + cached.macroDepth, name, origin, at);
      return cached.predicate;
    }
    this.reachMacroDepth(this.macroStack.length + 1, name, origin, at);
    const parsed = entry.parsed;
    if (!parsed.ok) {
      const problem: Problem = { code: 'INVALID_MACRO', message: `macro '${name}' has an invalid condition: ${parsed.error.message}`, origin, start: at.start, end: at.end };
      this.macroResults.set(name, { problem });
      throw new CompileFailure(problem);
    }
    this.macroStack.push(name);
    const nodesBefore = this.nodes;
    const depthBefore = this.depth;
    const stackBefore = this.macroStack.length - 1;
    const [outerExpr, outerMacro] = [this.deepestExpr, this.deepestMacro];
    this.deepestExpr = this.depth;
    this.deepestMacro = this.macroStack.length;
    try {
      const body = this.expr(parsed.ast, entry.origin, entry.visibility);
      const slot = this.memoCount++;
      const predicate: Predicate = (s) => s.memo(slot, body);
      this.macroResults.set(name, { predicate, size: this.nodes - nodesBefore, depth: this.deepestExpr - depthBefore, macroDepth: this.deepestMacro - stackBefore });
      return predicate;
    } catch (error) {
      // Problems that depend on where the macro is used (how deep, how large so far) are not the macro's own.
      if (error instanceof CompileFailure && !CONTEXTUAL_PROBLEMS.has(error.problem.code)) this.macroResults.set(name, { problem: error.problem });
      throw error;
    } finally {
      this.macroStack.pop();
      this.deepestExpr = Math.max(outerExpr, this.deepestExpr);
      this.deepestMacro = Math.max(outerMacro, this.deepestMacro);
    }
  }

  private check(node: CheckExpr, origin: Origin): Predicate {
    const operator = findOperator(node.operator);
    if (operator === undefined) this.fail('UNKNOWN_OPERATOR', `unknown operator '${node.operator}'`, origin, node.operatorSpan);
    const left = this.operand(node.field, origin);

    if (node.value?.kind === 'fieldvalue') return this.fieldComparison(node, operator, left, this.operand(node.value.field, origin), origin);

    const texts = node.value === undefined ? [] : this.values(node.value, operator, origin);
    const operands = this.convert(texts, left, node.value, origin);
    const slot = left.slot;

    if (left.list) {
      if (operator.compileForList === undefined) {
        this.warn({
          code: 'LIST_FIELD_SCALAR_OPERATOR',
          message: `'${left.key}' is a list field and '${operator.name}' is not a list operator (use in, intersects or exists): Falco ≥ 0.32 rejects this; it is kept and fails the rule if reached`,
          origin,
          start: node.operatorSpan.start,
          end: node.operatorSpan.end,
        });
        return (s) => {
          if (s.get(slot) === undefined) return false;
          throw LIST_FIELD_EVALUATION_ERROR;
        };
      }
      const test = operator.compileForList(operands, left.type);
      return (s) => {
        const value = s.get(slot);
        return value !== undefined && test(value as readonly Scalar[]);
      };
    }

    if (!operator.types.includes(left.type)) {
      this.fail('OPERATOR_NOT_SUPPORTED', `'${operator.name}' operator not supported for ${left.type} field '${left.key}'`, origin, node.operatorSpan);
    }
    const test = operator.compile(operands, left.type, this.limits.match);
    if (typeof test !== 'function') {
      this.fail(test.code ?? (operator.name === 'regex' ? 'INVALID_REGEX' : 'INVALID_VALUE'), test.error, origin, node.value ?? node.operatorSpan);
    }
    if (operator.name === 'exists') return (s) => s.get(slot) !== undefined;
    return (s) => {
      const value = s.get(slot);
      return value !== undefined && test(value as Scalar);
    };
  }

  private fieldComparison(node: CheckExpr, operator: Operator, left: Operand, right: Operand, origin: Origin): Predicate {
    const listOperator = operator.name === 'in' || operator.name === 'intersects';
    if (operator.compare === undefined && !listOperator) {
      this.fail('OPERATOR_NOT_SUPPORTED', `operator '${operator.name}' doesn't support right-hand side fields`, origin, node.operatorSpan);
    }
    if (!listOperator && (left.list || right.list)) {
      this.fail('OPERATOR_NOT_SUPPORTED', `'${operator.name}' cannot compare list fields; use in or intersects`, origin, node.operatorSpan);
    }
    if (!listOperator && !operator.types.includes(left.type)) {
      this.fail('OPERATOR_NOT_SUPPORTED', `'${operator.name}' operator not supported for ${left.type} field '${left.key}'`, origin, node.operatorSpan);
    }
    const l = left.slot;
    const r = right.slot;
    if (listOperator) {
      const every = operator.name === 'in';
      return (s) => {
        const a = s.get(l);
        const b = s.get(r);
        if (a === undefined || b === undefined) return false;
        const pool = typeof b === 'object' ? b : [b];
        const values = typeof a === 'object' ? a : [a];
        return every ? values.every((v) => pool.includes(v)) : values.some((v) => pool.includes(v));
      };
    }
    const compare = operator.compare as (a: Scalar, b: Scalar, limits: MatchLimits) => boolean;
    const limits = this.limits.match;
    return (s) => {
      const a = s.get(l);
      const b = s.get(r);
      return a !== undefined && b !== undefined && compare(a as Scalar, b as Scalar, limits);
    };
  }

  /** The right-hand side as texts, list names expanded (Falco substitutes bare list names). */
  private values(value: Exclude<ValueOperand, { kind: 'fieldvalue' }>, operator: Operator, origin: Origin): string[] {
    switch (value.kind) {
      case 'value': {
        if (!value.quoted) this.checkListBudget(value.text, origin, value);
        if (!value.quoted && this.lists.has(value.text)) {
          const items = this.lists.get(value.text) ?? [];
          this.usedLists.add(value.text);
          if (items.length !== 1) {
            this.fail('INVALID_VALUE', `list '${value.text}' has ${items.length} items where '${operator.name}' takes one value`, origin, value);
          }
          return [...items];
        }
        return [value.text];
      }
      case 'list':
        return this.expandItems(value.items, origin);
      case 'listref': {
        this.checkListBudget(value.name, origin, value);
        const items = this.lists.get(value.name);
        if (items === undefined) this.fail('UNKNOWN_LIST', `'${value.name}' names no list`, origin, value);
        this.usedLists.add(value.name);
        this.takeListItems(items.length, value.name, origin, value);
        return [...items];
      }
    }
  }

  private expandItems(items: readonly StringValue[], origin: Origin): string[] {
    const out: string[] = [];
    for (const item of items) {
      if (!item.quoted) this.checkListBudget(item.text, origin, item);
      const list = item.quoted ? undefined : this.lists.get(item.text);
      if (list === undefined) out.push(item.text);
      else {
        this.usedLists.add(item.text);
        this.takeListItems(list.length, item.text, origin, item);
        for (const entry of list) out.push(entry);
      }
    }
    return out;
  }

  /** A name of a list dropped for its size is that list, over the limit: never read as a literal word. */
  private checkListBudget(name: string, origin: Origin, at: Span): void {
    if (this.listBudget.overLimit.has(name)) this.fail('LIST_LIMIT', `list '${name}' was dropped: it expands to more items than the limit of ${this.listBudget.max}`, origin, at);
  }

  private takeListItems(count: number, name: string, origin: Origin, at: Span): void {
    if (!this.listBudget.take(count)) {
      this.fail('LIST_LIMIT', `substituting list '${name}' (${count} items) takes the lists of this load over the limit of ${this.listBudget.max} items`, origin, at);
    }
  }

  private convert(texts: readonly string[], field: Operand, at: Span | undefined, origin: Origin): Scalar[] {
    if (field.type === 'string') return texts as string[];
    const named = field.parseLiteral;
    return texts.map((text) => {
      if (named !== undefined) {
        const number = named(text);
        if (number === undefined) this.fail('INVALID_VALUE', `'${text}' is not a valid value for ${field.key}`, origin, at ?? { start: 0, end: 0 });
        return number;
      }
      const number = /^[+-]?0[xX]/.test(text) ? Number.parseInt(text, 16) : Number(text);
      if (text.trim() === '' || Number.isNaN(number)) this.fail('INVALID_VALUE', `'${text}' is not a number`, origin, at ?? { start: 0, end: 0 });
      return number;
    });
  }

  private operand(node: FieldOperand, origin: Origin): Operand {
    return node.kind === 'field' ? this.field(node, origin) : this.transformer(node, origin);
  }

  private field(node: FieldRef, origin: Origin): Operand {
    const bound = this.bindField(node.name, node.arg);
    if (typeof bound === 'string') {
      const unknown = this.findField(node.name) === undefined;
      this.fail(unknown ? 'UNKNOWN_FIELD' : 'INVALID_FIELD_ARGUMENT', unknown ? `filter_check called with nonexistent field ${node.name}` : bound, origin, unknown ? node : (node.argSpan ?? node));
    }
    const operand: Operand = { slot: this.slotOf(bound), list: bound.list, type: bound.type, key: bound.key };
    if (bound.parseLiteral !== undefined) operand.parseLiteral = bound.parseLiteral;
    return operand;
  }

  private transformer(node: TransformerRef, origin: Origin): Operand {
    const inner = this.operand(node.operand, origin);
    if (inner.type !== 'string') this.fail('OPERATOR_NOT_SUPPORTED', `${node.name}() takes a string field`, origin, node);
    const key = `${node.name}(${inner.key})`;
    const innerExtract = this.extractors[inner.slot] as Extractor;
    const apply = TRANSFORM[node.name];
    const extract: Extractor = (event: EventContext) => {
      const value = innerExtract(event);
      if (value === undefined) return undefined;
      if (node.name === 'len') return typeof value === 'object' ? value.length : utf8Length(String(value));
      if (typeof value === 'object') {
        const out: string[] = [];
        for (const v of value) {
          const t = apply(String(v));
          if (t !== undefined) out.push(t);
        }
        return out.length === 0 ? undefined : out;
      }
      return apply(String(value));
    };
    const len = node.name === 'len';
    return { slot: this.slot(key, extract), list: len ? false : inner.list, type: len ? 'number' : 'string', key };
  }

  private warn(problem: Problem): void {
    const id = `${problem.start}:${problem.end}`;
    const seen = `${this.originId(problem.origin)}:${id}`;
    if (this.warned.has(seen)) return;
    this.warned.add(seen);
    this.warnings.push(problem);
  }

  private readonly originIds = new WeakMap<Origin, number>();
  private nextOriginId = 1;
  private originId(origin: Origin): number {
    let id = this.originIds.get(origin);
    if (id === undefined) {
      id = this.nextOriginId++;
      this.originIds.set(origin, id);
    }
    return id;
  }

  private fail(code: ErrorCode, message: string, origin: Origin, at: Span): never {
    throw new CompileFailure({ code, message, origin, start: at.start, end: at.end });
  }
}

interface CompiledMacro {
  predicate: Predicate;
  /** Nodes once expanded. */
  size: number;
  /** Nesting it adds below the reference, once expanded. */
  depth: number;
  /** Macros from itself down to the deepest one it uses (1 when it uses none). */
  macroDepth: number;
}

/** Problems of a macro that depend on the condition using it, so they are not remembered as the macro's. */
const CONTEXTUAL_PROBLEMS: ReadonlySet<Problem['code']> = new Set(['MACRO_CYCLE', 'NODE_LIMIT', 'DEPTH_LIMIT', 'MACRO_DEPTH_LIMIT']);

function all(predicates: Predicate[]): Predicate {
  const [a, b, c] = predicates as [Predicate, Predicate, Predicate];
  switch (predicates.length) {
    case 0:
      return () => true;
    case 1:
      return a;
    case 2:
      return (s) => a(s) && b(s);
    case 3:
      return (s) => a(s) && b(s) && c(s);
    default:
      return (s) => {
        for (const p of predicates) if (!p(s)) return false;
        return true;
      };
  }
}

function any(predicates: Predicate[]): Predicate {
  const [a, b, c] = predicates as [Predicate, Predicate, Predicate];
  switch (predicates.length) {
    case 0:
      return ALWAYS_FALSE;
    case 1:
      return a;
    case 2:
      return (s) => a(s) || b(s);
    case 3:
      return (s) => a(s) || b(s) || c(s);
    default:
      return (s) => {
        for (const p of predicates) if (p(s)) return true;
        return false;
      };
  }
}

const encoder = new TextEncoder();
function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

const TRANSFORM: Readonly<Record<TransformerRef['name'], (value: string) => string | undefined>> = {
  tolower: (v) => v.toLowerCase(),
  toupper: (v) => v.toUpperCase(),
  basename: (v) => v.slice(v.lastIndexOf('/') + 1),
  b64: (v) => {
    try {
      const binary = atob(v);
      const bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
      return new TextDecoder().decode(bytes);
    } catch {
      return undefined;
    }
  },
  len: (v) => v,
};

/**
 * A list item as written in a rules file, read as Falco reads it once substituted into a
 * condition: `'"foo bar"'` is the quoted string `foo bar`, anything else is taken as is.
 */
export function normalizeListItem(item: string): string {
  const first = item.charCodeAt(0);
  if (item.length >= 2 && (first === 34 || first === 39) && item.charCodeAt(item.length - 1) === first) {
    const token = new Lexer(item).lexQuotedStr();
    if (token !== undefined && !isQuotedProblem(token) && token.end === item.length) return token.text;
  }
  return item;
}

/** For the type checker: FieldValue is used by closures through EvalState. */
export type { FieldValue };
