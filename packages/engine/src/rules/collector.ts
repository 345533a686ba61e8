/**
 * The collector: every list, macro and rule of all files, with appends, overrides and
 * redefinitions resolved in definition order, as Falco's rule_loader::collector does. Nothing
 * is parsed or compiled here; that happens once, after the last file.
 *
 * Ordering follows Falco: every item gets the next number; a redefinition keeps the original
 * `index` (its place in load order) and takes the new number as `visibility`. A macro sees the
 * macros whose index is below its visibility; a list expands the lists defined before it.
 */
import type { Priority } from '../priority';
import type { ItemContext } from './diagnostics';
import type { ComposedText } from './source-map';

/** An exception's `fields`, `comps` or one of its `values`: a string or a (nested) list. */
export type ExceptionEntry = { list: false; item: string } | { list: true; items: ExceptionEntry[] };

export interface ExceptionInfo {
  name: string;
  fields?: ExceptionEntry;
  comps?: ExceptionEntry;
  values: ExceptionEntry[];
  context: ItemContext;
}

export interface ListInfo {
  name: string;
  items: string[];
  index: number;
  visibility: number;
  context: ItemContext;
}

export interface MacroInfo {
  name: string;
  condition: ComposedText;
  index: number;
  visibility: number;
  context: ItemContext;
}

export interface RuleInfo {
  name: string;
  index: number;
  visibility: number;
  source: string;
  desc: string;
  condition: ComposedText;
  output: ComposedText;
  priority: Priority;
  tags: string[];
  enabled: boolean;
  exceptions: ExceptionInfo[];
  warnEvttypes: boolean;
  skipIfUnknownFilter: boolean;
  context: ItemContext;
  /** Where the definition in force was read (the last full definition). */
  file: string;
  line: number;
}

/** What an append or selective replace carries (only the keys it names). */
export interface RuleUpdate {
  name: string;
  condition?: ComposedText;
  output?: ComposedText;
  desc?: string;
  tags?: string[];
  exceptions?: ExceptionInfo[];
  priority?: Priority;
  enabled?: boolean;
  warnEvttypes?: boolean;
  skipIfUnknownFilter?: boolean;
  context: ItemContext;
}

/** Thrown by collector operations; the reader turns it into a coded error for that item. */
export class CollectError extends Error {
  constructor(
    readonly code: 'APPEND_TO_UNDEFINED' | 'RULE_SOURCE_CHANGED' | 'INVALID_EXCEPTION' | 'INVALID_OVERRIDE',
    message: string,
  ) {
    super(message);
  }
}

export class Collector {
  private next = 0;
  readonly lists = new Map<string, ListInfo>();
  readonly macros = new Map<string, MacroInfo>();
  readonly rules = new Map<string, RuleInfo>();

  defineList(name: string, items: string[], context: ItemContext): void {
    const id = this.next++;
    const previous = this.lists.get(name);
    this.lists.set(name, { name, items, index: previous?.index ?? id, visibility: id, context });
  }

  appendList(name: string, items: string[]): void {
    const previous = this.lists.get(name);
    if (previous === undefined) throw new CollectError('APPEND_TO_UNDEFINED', `list '${name}' has 'append' but no list by that name already exists`);
    previous.items = [...previous.items, ...items];
    previous.visibility = this.next++;
  }

  defineMacro(name: string, condition: ComposedText, context: ItemContext): void {
    const id = this.next++;
    const previous = this.macros.get(name);
    this.macros.set(name, { name, condition, index: previous?.index ?? id, visibility: id, context });
  }

  appendMacro(name: string, condition: ComposedText): void {
    const previous = this.macros.get(name);
    if (previous === undefined) throw new CollectError('APPEND_TO_UNDEFINED', `macro '${name}' has 'append' but no macro by that name already exists`);
    previous.condition = previous.condition.append(condition);
    previous.visibility = this.next++;
  }

  /** Returns true when the rule existed before (a redefinition, which replaces it in place). */
  defineRule(rule: Omit<RuleInfo, 'index' | 'visibility'>): boolean {
    const id = this.next++;
    const previous = this.rules.get(rule.name);
    if (previous !== undefined && previous.source !== rule.source) {
      throw new CollectError('RULE_SOURCE_CHANGED', `rule '${rule.name}' has been re-defined with a different source ('${previous.source}' before, '${rule.source}' now)`);
    }
    this.rules.set(rule.name, { ...rule, index: previous?.index ?? id, visibility: id });
    return previous !== undefined;
  }

  appendRule(update: RuleUpdate): void {
    const rule = this.rules.get(update.name);
    if (rule === undefined) throw new CollectError('APPEND_TO_UNDEFINED', `rule '${update.name}' has 'append' but no rule by that name already exists`);
    if (update.condition !== undefined && update.condition.text !== '') rule.condition = rule.condition.append(update.condition);
    if (update.output !== undefined && update.output.text !== '') rule.output = rule.output.append(update.output);
    if (update.desc !== undefined && update.desc !== '') rule.desc = `${rule.desc} ${update.desc}`;
    if (update.tags !== undefined) rule.tags = [...new Set([...rule.tags, ...update.tags])].sort();
    for (const exception of update.exceptions ?? []) {
      const existing = rule.exceptions.find((e) => e.name === exception.name);
      if (existing === undefined) {
        if (exception.fields === undefined) throw new CollectError('INVALID_EXCEPTION', `exception '${exception.name}' must have a fields property with a list of fields`);
        if (exception.values.length === 0) throw new CollectError('INVALID_EXCEPTION', `exception '${exception.name}' must have a values property with a list of values`);
        rule.exceptions.push(exception);
      } else {
        if (exception.fields !== undefined) throw new CollectError('INVALID_EXCEPTION', `can not append fields to the existing exception '${exception.name}', only values`);
        if (exception.comps !== undefined) throw new CollectError('INVALID_EXCEPTION', `can not append comps to the existing exception '${exception.name}', only values`);
        existing.values = [...existing.values, ...exception.values];
      }
    }
    rule.visibility = this.next++;
  }

  replaceRule(update: RuleUpdate): void {
    const rule = this.rules.get(update.name);
    if (rule === undefined) throw new CollectError('APPEND_TO_UNDEFINED', `rule '${update.name}' has 'override' but no rule by that name already exists`);
    if (update.condition !== undefined) rule.condition = update.condition;
    if (update.output !== undefined) rule.output = update.output;
    if (update.desc !== undefined) rule.desc = update.desc;
    if (update.tags !== undefined) rule.tags = update.tags;
    if (update.exceptions !== undefined) rule.exceptions = update.exceptions;
    if (update.priority !== undefined) rule.priority = update.priority;
    if (update.enabled !== undefined) rule.enabled = update.enabled;
    if (update.warnEvttypes !== undefined) rule.warnEvttypes = update.warnEvttypes;
    if (update.skipIfUnknownFilter !== undefined) rule.skipIfUnknownFilter = update.skipIfUnknownFilter;
    rule.visibility = this.next++;
  }

  enableRule(name: string, enabled: boolean): void {
    const rule = this.rules.get(name);
    if (rule === undefined) throw new CollectError('APPEND_TO_UNDEFINED', `rule '${name}' has only 'enabled' but no rule by that name already exists`);
    rule.enabled = enabled;
  }
}
