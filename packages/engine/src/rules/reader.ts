/**
 * The reader: YAML text → collector operations, one item at a time, as Falco's
 * rule_loader::reader validates them. A bad item is reported with a coded error and skipped;
 * the rest of the file is still read (Falco stops at the first error of a file).
 */
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node, type Pair, type Scalar, type YAMLMap } from 'yaml';
import type { ErrorCode, RuleItemType } from '../errors';
import { findField } from '../fields/registry';
import { parsePriority, type Priority } from '../priority';
import { findOperator } from '../operators/registry';
import { CollectError, type Collector, type ExceptionEntry, type ExceptionInfo, type RuleUpdate } from './collector';
import type { Diagnostics, ItemContext } from './diagnostics';
import { ComposedText, type Location, type SourceFile } from './source-map';
import { ENGINE_VERSION, IMPLEMENTED_PLUGINS, formatSemver, parseSemver, satisfies } from './versions';

/** Sources whose rules this engine knows (it evaluates only k8s_audit). */
export const KNOWN_SOURCES: ReadonlySet<string> = new Set(['k8s_audit', 'syscall']);

const LIST_NAME = /^[^()"'\s=,]+$/;
const MACRO_NAME = /^[a-zA-Z]+[a-zA-Z0-9_]*$/;
const RULE_APPENDABLE = ['condition', 'output', 'desc', 'tags', 'exceptions'] as const;
const RULE_REPLACEABLE = ['condition', 'output', 'desc', 'priority', 'tags', 'exceptions', 'enabled', 'warn_evttypes', 'skip-if-unknown-filter'] as const;

/** Thrown while decoding one item; becomes that item's coded error. */
class ItemError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly at?: Location,
  ) {
    super(message);
  }
}

export function readRulesFile(file: SourceFile, collector: Collector, diagnostics: Diagnostics): void {
  const fileContext: ItemContext = { type: 'file', location: { file, offset: 0 } };
  let documents: Document.Parsed[];
  try {
    const parsed = parseAllDocuments(file.text, { lineCounter: file.lines, uniqueKeys: false });
    documents = Array.isArray(parsed) ? parsed : [];
  } catch (error) {
    diagnostics.error('YAML_PARSE_ERROR', `the file is not valid YAML: ${error instanceof Error ? error.message : String(error)}`, fileContext);
    return;
  }
  for (const document of documents) {
    const first = document.errors[0];
    if (first !== undefined) {
      const more = document.errors.length > 1 ? ` (and ${document.errors.length - 1} more)` : '';
      diagnostics.error('YAML_PARSE_ERROR', `${first.message.split('\n')[0] ?? first.message}${more}`, fileContext, { file, offset: first.pos[0] });
      continue;
    }
    const contents = document.contents;
    if (contents === null || (isScalar(contents) && (contents.value === null || contents.value === ''))) continue;
    if (!isSeq(contents)) {
      diagnostics.error('RULES_NOT_A_LIST', 'rules content is not a YAML sequence of items (each item a mapping: - rule: ..., - macro: ..., - list: ...)', fileContext, location(file, contents));
      continue;
    }
    for (const item of contents.items) {
      if (item === null || (isScalar(item) && item.value === null)) continue;
      const node = isAlias(item) ? ((item.resolve(document) as Node | undefined) ?? null) : item;
      if (!isMap(node)) {
        diagnostics.error('INVALID_ITEM', 'unexpected element type: each item should be a YAML mapping (rule, macro, list, ...)', fileContext, location(file, node));
        continue;
      }
      readItem(new ItemReader(file, node, document), collector, diagnostics);
    }
  }
}

function readItem(item: ItemReader, collector: Collector, diagnostics: Diagnostics): void {
  const kind: RuleItemType | undefined = item.has('required_engine_version')
    ? 'required_engine_version'
    : item.has('required_plugin_versions')
      ? 'required_plugin_versions'
      : item.has('list')
        ? 'list'
        : item.has('macro')
          ? 'macro'
          : item.has('rule')
            ? 'rule'
            : undefined;
  const context: ItemContext = { type: kind ?? 'file', location: item.location };
  if (kind === undefined) {
    diagnostics.warn('UNKNOWN_ITEM', `unknown top level item (keys: ${item.keys().join(', ') || 'none'}); ignored`, context);
    return;
  }
  try {
    if (kind === 'list' || kind === 'macro' || kind === 'rule') {
      const name = item.string(kind, context);
      context.name = name;
    }
    switch (kind) {
      case 'required_engine_version':
        return readEngineVersion(item, context);
      case 'required_plugin_versions':
        return readPluginVersions(item, context, diagnostics);
      case 'list':
        return readList(item, context, collector);
      case 'macro':
        return readMacro(item, context, collector);
      case 'rule':
        return readRule(item, context, collector, diagnostics);
    }
  } catch (error) {
    if (error instanceof ItemError) diagnostics.error(error.code, error.message, context, error.at);
    else if (error instanceof CollectError) diagnostics.error(error.code, error.message, context);
    else throw error;
  }
}

function readEngineVersion(item: ItemReader, context: ItemContext): void {
  const node = item.node('required_engine_version');
  const text = item.string('required_engine_version', context);
  const required = /^\d{1,9}$/.test(text) ? parseSemver(`0.${text}.0`) : parseSemver(text);
  if (required === undefined) throw new ItemError('INVALID_VERSION', `unable to parse engine version '${text}': expected an integer or "x.y.z"`, item.at(node));
  const have = parseSemver(ENGINE_VERSION);
  if (have !== undefined && !satisfies(have, required)) {
    throw new ItemError('ENGINE_VERSION_TOO_OLD', `rules require engine version ${formatSemver(required)}, but this engine is ${ENGINE_VERSION}`, item.at(node));
  }
}

function readPluginVersions(item: ItemReader, context: ItemContext, diagnostics: Diagnostics): void {
  const node = item.node('required_plugin_versions');
  if (!isSeq(node)) throw new ItemError('INVALID_KEY_VALUE', 'the value of required_plugin_versions must be a sequence', item.at(node));
  for (const entry of node.items) {
    const plugin = item.resolve(entry);
    if (!isMap(plugin)) throw new ItemError('INVALID_KEY_VALUE', 'a plugin version must be a mapping with name and version', item.at(plugin));
    const reader = item.child(plugin);
    const alternatives = [{ name: reader.string('name', context), version: reader.string('version', context) }];
    const more = reader.node('alternatives');
    if (more !== undefined && more !== null) {
      if (!isSeq(more)) throw new ItemError('INVALID_KEY_VALUE', 'plugin version alternatives must be a sequence', item.at(more));
      for (const alternative of more.items) {
        const alt = item.resolve(alternative);
        if (!isMap(alt)) throw new ItemError('INVALID_KEY_VALUE', 'a plugin version alternative must be a mapping', item.at(alt));
        const altReader = item.child(alt);
        alternatives.push({ name: altReader.string('name', context), version: altReader.string('version', context) });
      }
    }
    for (const requirement of alternatives) {
      if (parseSemver(requirement.version) === undefined) throw new ItemError('INVALID_VERSION', `invalid required version '${requirement.version}' for plugin '${requirement.name}'`, item.at(plugin));
    }
    const satisfied = alternatives.some((requirement) => {
      const have = IMPLEMENTED_PLUGINS.get(requirement.name);
      const haveVersion = have === undefined ? undefined : parseSemver(have);
      const wanted = parseSemver(requirement.version);
      return haveVersion !== undefined && wanted !== undefined && satisfies(haveVersion, wanted);
    });
    if (!satisfied) {
      const wanted = alternatives.map((r) => `${r.name} ${r.version}`).join(' or ');
      const have = [...IMPLEMENTED_PLUGINS].map(([name, version]) => `${name} ${version}`).join(', ');
      diagnostics.warn('PLUGIN_VERSION', `rules require plugin ${wanted}; this engine implements the fields of ${have}`, { ...context }, item.at(plugin));
    }
  }
}

function overrides(item: ItemReader, appendable: readonly string[], replaceable: readonly string[]): { append: Set<string>; replace: Set<string> } {
  const result = { append: new Set<string>(), replace: new Set<string>() };
  const node = item.node('override');
  if (node === undefined) return result;
  if (!isMap(node)) throw new ItemError('INVALID_OVERRIDE', 'override must be a mapping of key: append|replace', item.at(node));
  for (const pair of node.items) {
    const key = item.scalarText(item.resolve(pair.key));
    const mode = item.scalarText(item.resolve(pair.value));
    const at = item.at(item.resolve(pair.key));
    if (key === undefined) throw new ItemError('INVALID_OVERRIDE', 'override keys must be strings', at);
    if (mode === 'append') {
      if (!appendable.includes(key)) throw new ItemError('INVALID_OVERRIDE', `key '${key}' cannot be appended to${replaceable.includes(key) ? ", use 'replace' instead" : ''}`, at);
      result.append.add(key);
    } else if (mode === 'replace') {
      if (!replaceable.includes(key)) throw new ItemError('INVALID_OVERRIDE', `key '${key}' cannot be replaced`, at);
      result.replace.add(key);
    } else {
      const allowed = [appendable.includes(key) ? 'append' : '', replaceable.includes(key) ? 'replace' : ''].filter(Boolean).join(', ');
      throw new ItemError('INVALID_OVERRIDE', `invalid override operation for key '${key}': '${mode ?? ''}'; allowed values are: ${allowed || 'none'}`, at);
    }
  }
  return result;
}

function readList(item: ItemReader, context: ItemContext, collector: Collector): void {
  const name = context.name ?? '';
  if (!LIST_NAME.test(name)) throw new ItemError('INVALID_NAME', `list name '${name}' is invalid: it must match [^()"'\\s=,]+`, item.at(item.node('list')));
  const items = item.stringList('items', context, true) ?? [];
  const append = item.bool('append', context) ?? false;
  const over = overrides(item, ['items'], ['items']);
  if (append && over.append.size + over.replace.size > 0) throw new ItemError('INVALID_OVERRIDE', "an item cannot have both 'append' and 'override'", item.location);
  if (append || over.append.has('items')) collector.appendList(name, items);
  else collector.defineList(name, items, context);
}

function readMacro(item: ItemReader, context: ItemContext, collector: Collector): void {
  const name = context.name ?? '';
  if (!MACRO_NAME.test(name)) throw new ItemError('INVALID_NAME', `macro name '${name}' is invalid: it must match [a-zA-Z]+[a-zA-Z0-9_]*`, item.at(item.node('macro')));
  const condition = item.text('condition', context);
  const append = item.bool('append', context) ?? false;
  const over = overrides(item, ['condition'], ['condition']);
  if (append && over.append.size + over.replace.size > 0) throw new ItemError('INVALID_OVERRIDE', "an item cannot have both 'append' and 'override'", item.location);
  if (append || over.append.has('condition')) collector.appendMacro(name, condition);
  else collector.defineMacro(name, condition, context);
}

function readRule(item: ItemReader, context: ItemContext, collector: Collector, diagnostics: Diagnostics): void {
  const name = context.name ?? '';
  const append = item.bool('append', context) ?? false;
  const over = overrides(item, RULE_APPENDABLE, RULE_REPLACEABLE);
  const hasOverrides = over.append.size + over.replace.size > 0;
  if (append && hasOverrides) throw new ItemError('INVALID_OVERRIDE', "an item cannot have both 'append' and 'override'", item.location);
  const existingSource = collector.rules.get(name)?.source;

  if (hasOverrides) {
    for (const key of [...over.append, ...over.replace]) {
      if (!item.has(key)) throw new ItemError('INVALID_OVERRIDE', `an ${over.append.has(key) ? 'append' : 'replace'} override for '${key}' was specified but '${key}' is not defined`, item.location);
    }
    for (const key of new Set<string>([...RULE_APPENDABLE, ...RULE_REPLACEABLE])) {
      if (item.has(key) && !over.append.has(key) && !over.replace.has(key)) {
        throw new ItemError('INVALID_OVERRIDE', `unexpected key '${key}': no corresponding entry under 'override' is defined`, item.at(item.node(key)));
      }
    }
    if (over.append.size > 0) collector.appendRule(ruleUpdate(item, context, over.append, existingSource, diagnostics));
    if (over.replace.size > 0) collector.replaceRule(ruleUpdate(item, context, over.replace, existingSource, diagnostics));
    return;
  }

  if (append) {
    const keys = new Set(['condition', 'exceptions'].filter((key) => item.has(key)));
    collector.appendRule(ruleUpdate(item, context, keys, existingSource, diagnostics));
    return;
  }

  if (!item.has('condition') && !item.has('output') && !item.has('desc') && !item.has('priority')) {
    if (!item.has('enabled')) throw new ItemError('MISSING_KEY', `rule '${name}' has no condition (nor output, desc, priority): a rule item needs them, or only 'enabled' to switch an existing rule`, item.location);
    collector.enableRule(name, item.bool('enabled', context) ?? true);
    return;
  }

  const condition = item.text('condition', context);
  const output = item.text('output', context, true);
  const desc = item.string('desc', context);
  const priority = item.priority(context);
  const source = item.optionalString('source', context) ?? 'syscall';
  const tags = item.stringList('tags', context, false) ?? [];
  const exceptions = readExceptions(item, context, false, source, diagnostics);
  const line = item.file.position(item.location.offset).line;
  const redefined = collector.defineRule({
    name,
    source,
    desc,
    condition,
    output,
    priority,
    tags: [...new Set(tags)].sort(),
    enabled: item.bool('enabled', context) ?? true,
    exceptions,
    warnEvttypes: item.bool('warn_evttypes', context) ?? true,
    skipIfUnknownFilter: item.bool('skip-if-unknown-filter', context) ?? false,
    context,
    file: item.file.name,
    line,
  });
  if (redefined) diagnostics.warn('DUPLICATE_RULE', `rule '${name}' is defined again: this definition replaces the earlier one (keeping its place in load order); use override to change parts of a rule`, context);
  if (!KNOWN_SOURCES.has(source)) diagnostics.warn('UNKNOWN_SOURCE', `unknown source '${source}': the rule is kept but never evaluated`, context);
}

function ruleUpdate(item: ItemReader, context: ItemContext, keys: ReadonlySet<string>, source: string | undefined, diagnostics: Diagnostics): RuleUpdate {
  const update: RuleUpdate = { name: context.name ?? '', context };
  if (keys.has('condition')) update.condition = item.text('condition', context);
  if (keys.has('output')) update.output = item.text('output', context, true);
  if (keys.has('desc')) update.desc = item.string('desc', context);
  if (keys.has('tags')) update.tags = [...new Set(item.stringList('tags', context, false) ?? [])].sort();
  if (keys.has('exceptions')) update.exceptions = readExceptions(item, context, true, source, diagnostics);
  if (keys.has('priority')) update.priority = item.priority(context);
  if (keys.has('enabled')) update.enabled = item.bool('enabled', context) ?? true;
  if (keys.has('warn_evttypes')) update.warnEvttypes = item.bool('warn_evttypes', context) ?? true;
  if (keys.has('skip-if-unknown-filter')) update.skipIfUnknownFilter = item.bool('skip-if-unknown-filter', context) ?? false;
  return update;
}

function readExceptions(item: ItemReader, context: ItemContext, append: boolean, source: string | undefined, diagnostics: Diagnostics): ExceptionInfo[] {
  const node = item.node('exceptions');
  if (node === undefined || node === null || (isScalar(node) && node.value === null)) return [];
  if (!isSeq(node)) throw new ItemError('INVALID_EXCEPTION', 'rule exceptions must be a sequence', item.at(node));
  const out: ExceptionInfo[] = [];
  for (const entry of node.items) {
    const map = item.resolve(entry);
    if (!isMap(map)) throw new ItemError('INVALID_EXCEPTION', 'a rule exception must be a mapping', item.at(map));
    const reader = item.child(map);
    const name = reader.string('name', context);
    const exceptionContext: ItemContext = { type: 'exception', name, location: item.at(map) };
    if (out.some((e) => e.name === name)) throw new ItemError('INVALID_EXCEPTION', `exception names in the same rule must be unique: '${name}'`, item.at(map));
    const fieldsNode = reader.node('fields');
    const compsNode = reader.node('comps');
    const valuesNode = reader.node('values');
    if (fieldsNode === undefined && !append) throw new ItemError('INVALID_EXCEPTION', `exception '${name}' has no fields`, item.at(map));
    const exception: ExceptionInfo = { name, values: [], context: exceptionContext };
    if (fieldsNode !== undefined) exception.fields = entryOf(item, fieldsNode, `fields of exception '${name}'`);
    if (compsNode !== undefined) exception.comps = entryOf(item, compsNode, `comps of exception '${name}'`);
    if (valuesNode !== undefined && valuesNode !== null) {
      if (!isSeq(valuesNode)) throw new ItemError('INVALID_EXCEPTION', `the values of exception '${name}' must be a sequence`, item.at(valuesNode));
      for (const value of valuesNode.items) exception.values.push(entryOf(item, item.resolve(value), `a value of exception '${name}'`));
    } else if (append) diagnostics.warn('APPEND_NO_VALUES', `overriding/appending exception '${name}' with no values`, exceptionContext);
    if (exception.fields !== undefined) validateException(exception, source, item.at(map));
    out.push(exception);
  }
  return out;
}

function entryOf(item: ItemReader, raw: Node | null | undefined, what: string): ExceptionEntry {
  const node = item.resolve(raw);
  if (isSeq(node)) return { list: true, items: node.items.map((child) => entryOf(item, item.resolve(child), what)) };
  const text = item.scalarText(node);
  if (text === undefined || text === '') throw new ItemError('INVALID_EXCEPTION', `${what} must be a non-empty string or a list`, item.at(node));
  return { list: false, item: text };
}

/** Falco's validate_exception_info: shapes, operators and (for k8s_audit) field names. */
function validateException(exception: ExceptionInfo, source: string | undefined, at: Location): void {
  const fields = exception.fields;
  if (fields === undefined) return;
  const checkField = (name: string): void => {
    if (source !== 'k8s_audit') return;
    const bare = name.replace(/\[.*\]$/, '');
    if (findField(bare) === undefined) throw new ItemError('INVALID_EXCEPTION', `'${name}' is not a supported filter field (exception '${exception.name}')`, at);
  };
  if (fields.list) {
    if (exception.comps === undefined) exception.comps = { list: true, items: fields.items.map(() => ({ list: false, item: '=' })) };
    const comps = exception.comps;
    if (!comps.list || comps.items.length !== fields.items.length) throw new ItemError('INVALID_EXCEPTION', `fields and comps lists of exception '${exception.name}' must have equal length`, at);
    for (const comp of comps.items) {
      if (comp.list || findOperator(comp.item) === undefined) throw new ItemError('INVALID_EXCEPTION', `'${comp.list ? '(list)' : comp.item}' is not a supported comparison operator (exception '${exception.name}')`, at);
    }
    for (const field of fields.items) {
      if (field.list) throw new ItemError('INVALID_EXCEPTION', `the fields of exception '${exception.name}' must be strings`, at);
      checkField(field.item);
    }
  } else {
    if (exception.comps === undefined) exception.comps = { list: false, item: 'in' };
    const comps = exception.comps;
    if (comps.list) throw new ItemError('INVALID_EXCEPTION', `fields and comps of exception '${exception.name}' must both be strings`, at);
    if (!['in', 'pmatch', 'intersects'].includes(comps.item)) throw new ItemError('INVALID_EXCEPTION', `when fields is a single value, comps must be one of (in, pmatch, intersects) (exception '${exception.name}')`, at);
    checkField(fields.item);
  }
}

function location(file: SourceFile, node: Node | null | undefined): Location {
  const offset = node?.range?.[0] ?? 0;
  return isScalar(node) ? { file, offset, scalar: node } : { file, offset };
}

/** Typed access to one item's keys, with Falco's decoding rules and coded errors. */
class ItemReader {
  readonly location: Location;

  constructor(
    readonly file: SourceFile,
    private readonly map: YAMLMap,
    private readonly document: Document.Parsed,
  ) {
    this.location = location(file, map);
  }

  child(map: YAMLMap): ItemReader {
    return new ItemReader(this.file, map, this.document);
  }

  keys(): string[] {
    return this.map.items.map((pair: Pair) => this.scalarText(this.resolve(pair.key as Node | null)) ?? '?');
  }

  has(key: string): boolean {
    return this.pair(key) !== undefined;
  }

  /** The value node of `key`; null for `key:` with nothing; undefined when the key is absent. */
  node(key: string): Node | null | undefined {
    const pair = this.pair(key);
    if (pair === undefined) return undefined;
    return this.resolve(pair.value);
  }

  at(node: Node | null | undefined): Location {
    return node === null || node === undefined ? this.location : location(this.file, node);
  }

  resolve(node: unknown): Node | null {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return (node.resolve(this.document) as Node | undefined) ?? null;
    return node as Node;
  }

  scalarText(node: Node | null | undefined): string | undefined {
    if (!isScalar(node) || node.value === null || node.value === undefined) return undefined;
    if (typeof node.value === 'string') return node.value;
    const source = (node as Scalar & { source?: unknown }).source;
    if (typeof source === 'string') return source;
    const value: unknown = node.value;
    return typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' ? String(value) : undefined;
  }

  /** A required, non-empty scalar. */
  string(key: string, _context: ItemContext): string {
    const node = this.node(key);
    if (node === undefined) throw new ItemError('MISSING_KEY', `item has no mapping for key '${key}'`, this.location);
    if (node === null || (isScalar(node) && node.value === null)) throw new ItemError('MISSING_KEY', `mapping for key '${key}' is empty`, this.at(node));
    const text = this.scalarText(node);
    if (text === undefined) throw new ItemError('INVALID_KEY_VALUE', `the value of '${key}' is not a scalar value`, this.at(node));
    if (text === '') throw new ItemError('MISSING_KEY', `the value of '${key}' must be non-empty`, this.at(node));
    return text;
  }

  optionalString(key: string, context: ItemContext): string | undefined {
    return this.has(key) ? this.string(key, context) : undefined;
  }

  /** A required scalar kept with its location, so offsets inside it map to the file. */
  text(key: string, context: ItemContext, trim = false): ComposedText {
    const value = this.string(key, context);
    const node = this.node(key);
    const text = trim ? value.trim() : value;
    const start = trim ? value.indexOf(text) : 0;
    // A trimmed output loses leading characters: keep the mapping exact only when nothing moved.
    return ComposedText.of(text, start === 0 ? this.at(node) : { file: this.file, offset: this.at(node).offset });
  }

  bool(key: string, context: ItemContext): boolean | undefined {
    if (!this.has(key)) return undefined;
    const node = this.node(key);
    if (isScalar(node) && typeof node.value === 'boolean') return node.value;
    const text = this.string(key, context).toLowerCase();
    if (['true', 'yes', 'on', 'y'].includes(text)) return true;
    if (['false', 'no', 'off', 'n'].includes(text)) return false;
    throw new ItemError('INVALID_KEY_VALUE', `the value of '${key}' must be a boolean, not '${text}'`, this.at(node));
  }

  /** A sequence of scalars; `required` makes the key mandatory (list items). */
  stringList(key: string, _context: ItemContext, required: boolean): string[] | undefined {
    if (!this.has(key)) {
      if (required) throw new ItemError('MISSING_KEY', `item has no mapping for key '${key}'`, this.location);
      return undefined;
    }
    const node = this.node(key);
    if (!isSeq(node)) throw new ItemError('INVALID_KEY_VALUE', `the value of '${key}' is not a sequence`, this.at(node));
    return node.items.map((entry) => {
      const child = this.resolve(entry);
      const text = this.scalarText(child);
      if (text === undefined) throw new ItemError('INVALID_KEY_VALUE', `a value of '${key}' is not a scalar`, this.at(child));
      return text;
    });
  }

  priority(context: ItemContext): Priority {
    const text = this.string('priority', context);
    const priority = parsePriority(text);
    if (priority === undefined) throw new ItemError('INVALID_PRIORITY', `invalid priority '${text}': expected one of emergency, alert, critical, error, warning, notice, informational (info), debug`, this.at(this.node('priority')));
    return priority;
  }

  private pair(key: string): Pair | undefined {
    for (const pair of this.map.items) {
      if (this.scalarText(this.resolve(pair.key)) === key) return pair;
    }
    return undefined;
  }
}

/** For tests and tools: which keys each rule mode accepts. */
export const RULE_OVERRIDE_KEYS = { append: RULE_APPENDABLE, replace: RULE_REPLACEABLE };
