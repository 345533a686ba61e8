/**
 * The compiler: collector → ruleset, after the last file. Lists are expanded, macros parsed
 * once, every k8s_audit rule compiled to a predicate and an output; rules of other sources are
 * parsed and resolved only (to know which lists and macros are used), never field-checked.
 * One bad rule is reported and dropped; every other rule is kept.
 */
import type { Expr } from '../condition/ast';
import { ConditionCompiler, normalizeListItem, type MacroEntry, type Problem } from '../condition/compiler';
import { parseCondition, type ParseLimits } from '../condition/parser';
import { compileOutput, isOutputProblem } from '../output/format';
import { type CompiledRule, Ruleset, type RuleInfo as PublicRuleInfo } from '../ruleset';
import type { Collector, ListInfo, MacroInfo, RuleInfo } from './collector';
import type { Diagnostics, ItemContext } from './diagnostics';
import { exceptionCondition, ExceptionShapeError } from './exceptions';
import { ComposedText } from './source-map';

export interface CompileOptions {
  limits: ParseLimits;
  maxNodes: number;
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
  const lists = expandLists(collector);
  const usedByLists = lists.used;

  const macros = new Map<string, MacroEntry>();
  const macroOrigins = new Map<string, TextOrigin>();
  for (const macro of sortByIndex([...collector.macros.values()])) {
    const origin: TextOrigin = { context: macro.context, text: macro.condition };
    macroOrigins.set(macro.name, origin);
    macros.set(macro.name, { name: macro.name, index: macro.index, visibility: macro.visibility, parsed: parseCondition(macro.condition.text, options.limits), origin });
  }

  const compiler = new ConditionCompiler(lists.items, macros, options.maxNodes);
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

/** Every list with its items, lists named among them expanded (only lists defined before it). */
function expandLists(collector: Collector): { items: Map<string, readonly string[]>; used: Set<string> } {
  const items = new Map<string, readonly string[]>();
  const used = new Set<string>();
  const all = collector.lists;
  const expand = (list: ListInfo, seen: Set<string>): string[] => {
    const out: string[] = [];
    for (const item of list.items) {
      const ref = all.get(item);
      if (ref !== undefined && ref.index < list.visibility && !seen.has(ref.name)) {
        used.add(ref.name);
        seen.add(ref.name);
        out.push(...expand(ref, seen));
        seen.delete(ref.name);
      } else out.push(normalizeListItem(item));
    }
    return out;
  };
  for (const list of sortByIndex([...all.values()])) items.set(list.name, expand(list, new Set([list.name])));
  return { items, used };
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

  /** Returns the unknown macro references found (not followed into known macros' bodies). */
  walk(ast: Expr, visibility: number, self?: string): Array<{ name: string; start: number; end: number }> {
    const missing: Array<{ name: string; start: number; end: number }> = [];
    const stack: Expr[] = [ast];
    while (stack.length > 0) {
      const node = stack.pop() as Expr;
      switch (node.kind) {
        case 'and':
        case 'or':
          stack.push(...node.operands);
          break;
        case 'not':
          stack.push(node.operand);
          break;
        case 'macro': {
          const macro = this.macros.get(node.name);
          if (macro === undefined || macro.index >= visibility) {
            missing.push({ name: node.name, start: node.start, end: node.end });
            break;
          }
          if (node.name !== self) this.usedMacros.add(node.name);
          if (!this.walkedMacros.has(node.name) && macro.parsed.ok) {
            this.walkedMacros.add(node.name);
            this.walk(macro.parsed.ast, macro.visibility, node.name);
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
