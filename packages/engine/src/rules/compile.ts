/**
 * The compiler: collector → ruleset, after the last file. Lists are expanded, macros parsed
 * once, every k8s_audit rule compiled to a predicate and an output; rules of other sources are
 * parsed and resolved only (to know which lists and macros are used), never field-checked.
 * One bad rule is reported and dropped; every other rule is kept.
 */
import type { Expr } from '../condition/ast';
import { ConditionCompiler, ListBudget, normalizeListItem, type MacroEntry, type Problem } from '../condition/compiler';
import { parseCondition, type ParseLimits } from '../condition/parser';
import type { MatchLimits } from '../operators/operator';
import { compileOutput, isOutputProblem } from '../output/format';
import { type CompiledRule, Ruleset, type RuleInfo as PublicRuleInfo } from '../ruleset';
import type { Collector, ListInfo, MacroInfo, RuleInfo } from './collector';
import type { Diagnostics, ItemContext } from './diagnostics';
import { exceptionCondition, ExceptionShapeError } from './exceptions';
import { ComposedText } from './source-map';

export interface CompileOptions {
  limits: ParseLimits;
  maxNodes: number;
  maxMacroDepth: number;
  /** List items the whole load may expand to (list definitions and conditions together). */
  maxListItems: number;
  match: MatchLimits;
  disabledTags: ReadonlySet<string>;
  disabledRules: ReadonlySet<string>;
  disabledRulesMatching: readonly string[];
  enabledRules: ReadonlySet<string>;
  /** When not empty, only rules with at least one of these tags are enabled (Falco's -t). */
  enabledTags: ReadonlySet<string>;
}

/** Where a macro's or rule's condition text came from, for mapping problems to the file. */
interface TextOrigin {
  context: ItemContext;
  text: ComposedText;
}

export function compileCollection(collector: Collector, diagnostics: Diagnostics, options: CompileOptions): Ruleset {
  const budget = new ListBudget(options.maxListItems);
  const lists = expandLists(collector, budget, diagnostics);
  const usedByLists = lists.used;

  const macros = new Map<string, MacroEntry>();
  const macroOrigins = new Map<string, TextOrigin>();
  for (const macro of sortByIndex([...collector.macros.values()])) {
    const origin: TextOrigin = { context: macro.context, text: macro.condition };
    macroOrigins.set(macro.name, origin);
    macros.set(macro.name, { name: macro.name, index: macro.index, visibility: macro.visibility, parsed: parseCondition(macro.condition.text, options.limits), origin });
  }

  const compiler = new ConditionCompiler(
    lists.items,
    macros,
    { maxNodes: options.maxNodes, maxDepth: options.limits.maxDepth, maxMacroDepth: options.maxMacroDepth, match: options.match },
    undefined,
    budget,
  );
  const resolver = new ReferenceResolver(lists.items, macros);
  const compiled: CompiledRule[] = [];
  const infos: PublicRuleInfo[] = [];

  for (const rule of sortByIndex([...collector.rules.values()])) {
    const info = publicInfo(rule, options);
    const condition = conditionWithExceptions(rule, diagnostics);
    if (condition === undefined) continue;
    if (rule.source !== 'k8s_audit') {
      infos.push(info);
      resolveOnly(rule, condition, resolver, diagnostics, options);
      continue;
    }
    const parsed = parseCondition(condition.text, options.limits);
    if (!parsed.ok) {
      diagnostics.inText('error', parsed.error.code, parsed.error.message, rule.context, condition, parsed.error.start, parsed.error.end);
      continue;
    }
    const origin: TextOrigin = { context: rule.context, text: condition };
    const result = compiler.compile(parsed.ast, origin);
    resolver.walk(parsed.ast, Number.POSITIVE_INFINITY);
    if (!result.ok) {
      reportProblem(result.problem, rule, diagnostics);
      continue;
    }
    const output = compileOutput(rule.output.text, compiler);
    if (isOutputProblem(output)) {
      if (rule.skipIfUnknownFilter && /unknown field|no field/.test(output.message)) {
        diagnostics.inText('warning', 'SKIPPED_UNKNOWN_FILTER', `rule '${rule.name}' skipped (skip-if-unknown-filter): ${output.message}`, rule.context, rule.output, output.start, output.end);
      } else diagnostics.inText('error', 'INVALID_OUTPUT', output.message, rule.context, rule.output, output.start, output.end);
      continue;
    }
    infos.push(info);
    compiled.push({ info, predicate: result.predicate, output });
  }

  for (const warning of compiler.warnings) {
    const origin = warning.origin as TextOrigin;
    diagnostics.inText('warning', 'LIST_FIELD_SCALAR_OPERATOR', warning.message, origin.context, origin.text, warning.start, warning.end);
  }

  // Macros reference macros even when no rule uses them (Falco resolves them all).
  for (const macro of macros.values()) if (macro.parsed.ok) resolver.walk(macro.parsed.ast, macro.visibility, macro.name);
  // The compiler only ever compiles k8s_audit rules: what it used is what those rules use.
  reportMacros(collector.macros, macros, compiler.usedMacros, resolver, compiler, diagnostics);
  for (const list of collector.lists.values()) {
    if (!usedByLists.has(list.name) && !compiler.usedLists.has(list.name) && !resolver.usedLists.has(list.name)) {
      diagnostics.warn('UNUSED_LIST', `list '${list.name}' is not referred to by any rule, macro or list`, list.context);
    }
  }
  return new Ruleset(infos, compiled, compiler.newState());
}

function sortByIndex<T extends { index: number }>(items: T[]): T[] {
  return items.sort((a, b) => a.index - b.index);
}

/**
 * Every list with its items, lists named among them expanded (only lists defined before it).
 * A list that would take the load over `maxListItems` is dropped with LIST_LIMIT.
 */
function expandLists(collector: Collector, budget: ListBudget, diagnostics: Diagnostics): { items: Map<string, readonly string[]>; used: Set<string> } {
  const items = new Map<string, readonly string[]>();
  const used = new Set<string>();
  for (const list of sortByIndex([...collector.lists.values()])) {
    const expanded = expandList(list, collector.lists, used, budget);
    if (expanded !== undefined) {
      items.set(list.name, expanded);
      continue;
    }
    budget.overLimit.add(list.name);
    diagnostics.error('LIST_LIMIT', `list '${list.name}' takes the lists of this load over the limit of ${budget.max} items (counted once the lists they name are expanded)`, list.context);
  }
  return { items, used };
}

/**
 * One list's items, depth-first through the lists it names, with an explicit stack (a chain of
 * 20 000 lists each naming the previous one must not overflow the call stack). Every item read,
 * a list name included, takes one from the budget; undefined when it runs out.
 */
function expandList(list: ListInfo, all: ReadonlyMap<string, ListInfo>, used: Set<string>, budget: ListBudget): string[] | undefined {
  const out: string[] = [];
  const seen = new Set([list.name]);
  const stack: Array<{ list: ListInfo; next: number }> = [{ list, next: 0 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as { list: ListInfo; next: number };
    if (frame.next >= frame.list.items.length) {
      stack.pop();
      seen.delete(frame.list.name);
      continue;
    }
    const item = frame.list.items[frame.next++] as string;
    if (!budget.take(1)) return undefined;
    const ref = all.get(item);
    if (ref !== undefined && ref.index < frame.list.visibility && !seen.has(ref.name)) {
      used.add(ref.name);
      seen.add(ref.name);
      stack.push({ list: ref, next: 0 });
    } else out.push(normalizeListItem(item));
  }
  return out;
}

function conditionWithExceptions(rule: RuleInfo, diagnostics: Diagnostics): ComposedText | undefined {
  if (rule.exceptions.length === 0) return rule.condition;
  const parts: Array<ComposedText | string> = ['(', rule.condition, ')'];
  try {
    for (const exception of rule.exceptions) {
      const text = exceptionCondition(exception);
      if (text !== '') parts.push(' and not ', ComposedText.of(text, exception.context.location));
    }
  } catch (error) {
    if (!(error instanceof ExceptionShapeError)) throw error;
    diagnostics.error('INVALID_EXCEPTION', error.message, rule.context, error.exception.context.location);
    return undefined;
  }
  return ComposedText.join(parts);
}

function publicInfo(rule: RuleInfo, options: CompileOptions): PublicRuleInfo {
  let enabled = rule.enabled;
  if (options.enabledTags.size > 0) enabled = rule.tags.some((tag) => options.enabledTags.has(tag));
  if (rule.tags.some((tag) => options.disabledTags.has(tag))) enabled = false;
  if (options.disabledRules.has(rule.name) || options.disabledRulesMatching.some((part) => rule.name.includes(part))) enabled = false;
  if (options.enabledRules.has(rule.name)) enabled = true;
  return {
    name: rule.name,
    desc: rule.desc,
    source: rule.source,
    priority: rule.priority,
    tags: [...rule.tags],
    enabled,
    evaluated: rule.source === 'k8s_audit',
    condition: rule.condition.text,
    output: rule.output.text,
    file: rule.file,
    line: rule.line,
  };
}

function reportProblem(problem: Problem, rule: RuleInfo, diagnostics: Diagnostics): void {
  const origin = problem.origin as TextOrigin;
  const inMacro = origin.context !== rule.context && origin.context.type === 'macro';
  const message = inMacro ? `${problem.message} (in macro '${origin.context.name ?? ''}', used by rule '${rule.name}')` : problem.message;
  if (problem.code === 'UNKNOWN_FIELD' && rule.skipIfUnknownFilter) {
    diagnostics.inText('warning', 'SKIPPED_UNKNOWN_FILTER', `rule '${rule.name}' skipped (skip-if-unknown-filter): ${message}`, rule.context, origin.text, problem.start, problem.end);
    return;
  }
  diagnostics.inText('error', problem.code === 'LIST_FIELD_SCALAR_OPERATOR' ? 'OPERATOR_NOT_SUPPORTED' : problem.code, message, rule.context, origin.text, problem.start, problem.end);
}

/** A rule of another source: syntax and references only; problems are warnings. */
function resolveOnly(rule: RuleInfo, condition: ComposedText, resolver: ReferenceResolver, diagnostics: Diagnostics, options: CompileOptions): void {
  const parsed = parseCondition(condition.text, options.limits);
  if (!parsed.ok) {
    diagnostics.inText('warning', 'NON_AUDIT_SOURCE', `rule of source '${rule.source}' not understood (${parsed.error.code}: ${parsed.error.message}); kept, never evaluated`, rule.context, condition, parsed.error.start, parsed.error.end);
    return;
  }
  for (const missing of resolver.walk(parsed.ast, Number.POSITIVE_INFINITY)) {
    diagnostics.inText('warning', 'NON_AUDIT_SOURCE', `rule of source '${rule.source}' uses undefined macro '${missing.name}'; kept, never evaluated`, rule.context, condition, missing.start, missing.end);
  }
}

function reportMacros(
  collected: ReadonlyMap<string, MacroInfo>,
  macros: ReadonlyMap<string, MacroEntry>,
  auditMacros: ReadonlySet<string>,
  resolver: ReferenceResolver,
  compiler: ConditionCompiler,
  diagnostics: Diagnostics,
): void {
  for (const macro of collected.values()) {
    const entry = macros.get(macro.name);
    if (entry !== undefined && !entry.parsed.ok) {
      const { code, message, start, end } = entry.parsed.error;
      if (auditMacros.has(macro.name)) diagnostics.inText('error', code, message, macro.context, macro.condition, start, end);
      else diagnostics.inText('warning', 'NON_AUDIT_SOURCE', `macro not used by any k8s_audit rule has an invalid condition (${code}: ${message})`, macro.context, macro.condition, start, end);
    }
    if (!compiler.usedMacros.has(macro.name) && !resolver.usedMacros.has(macro.name)) {
      diagnostics.warn('UNUSED_MACRO', `macro '${macro.name}' is not referred to by any rule or macro`, macro.context);
    }
  }
}

interface WalkStep {
  node: Expr;
  visibility: number;
  self: string | undefined;
  /** Part of the condition walked (not of a macro it uses): its unknown references are reported. */
  own: boolean;
}

/**
 * Walks conditions for references only: which macros and lists are used, which macro names are
 * unknown. Used for rules of other sources and to find macro-to-macro references.
 */
class ReferenceResolver {
  readonly usedMacros = new Set<string>();
  readonly usedLists = new Set<string>();
  private readonly walkedMacros = new Set<string>();

  constructor(
    private readonly lists: ReadonlyMap<string, readonly string[]>,
    private readonly macros: ReadonlyMap<string, MacroEntry>,
  ) {}

  /**
   * Returns the unknown macro references of `ast` itself (the bodies of the macros it uses are
   * walked for what they use, with their own visibility). One explicit stack for both, so a
   * chain of 5 000 macros does not recurse 5 000 deep.
   */
  walk(ast: Expr, visibility: number, self?: string): Array<{ name: string; start: number; end: number }> {
    const missing: Array<{ name: string; start: number; end: number }> = [];
    const stack: WalkStep[] = [{ node: ast, visibility, self, own: true }];
    while (stack.length > 0) {
      const step = stack.pop() as WalkStep;
      const node = step.node;
      switch (node.kind) {
        case 'and':
        case 'or':
          for (const operand of node.operands) stack.push({ ...step, node: operand });
          break;
        case 'not':
          stack.push({ ...step, node: node.operand });
          break;
        case 'macro': {
          const macro = this.macros.get(node.name);
          if (macro === undefined || macro.index >= step.visibility) {
            if (step.own) missing.push({ name: node.name, start: node.start, end: node.end });
            break;
          }
          if (node.name !== step.self) this.usedMacros.add(node.name);
          if (!this.walkedMacros.has(node.name) && macro.parsed.ok) {
            this.walkedMacros.add(node.name);
            stack.push({ node: macro.parsed.ast, visibility: macro.visibility, self: node.name, own: false });
          }
          break;
        }
        case 'check': {
          const value = node.value;
          if (value?.kind === 'list') for (const item of value.items) this.useList(item.quoted ? undefined : item.text);
          else if (value?.kind === 'listref') this.useList(value.name);
          else if (value?.kind === 'value' && !value.quoted) this.useList(value.text);
          break;
        }
      }
    }
    return missing;
  }

  private useList(name: string | undefined): void {
    if (name !== undefined && this.lists.has(name)) this.usedLists.add(name);
  }
}
