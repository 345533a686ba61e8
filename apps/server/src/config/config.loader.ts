import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { templateProblems } from '../ingest/templated-fields';
import { type AppConfig, configSchema, ENV_ALIASES, SECRET_KEYS } from './config.schema';
import { NAMES_LIST } from './names-list';

export type Env = Readonly<Record<string, string | undefined>>;

/** Every problem found in one pass, so a user fixes their configuration once, not N times. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Sections another part of the product owns (the outputs): the loader hands them the whole
 * YAML tree and the environment, and reports their problems with its own, in one pass.
 */
export interface ConfigSection<T> {
  /** Top-level YAML keys it reads (not warned about as unknown). */
  readonly keys: readonly string[];
  parse(tree: Readonly<Record<string, unknown>>, env: Env): { value: T; problems: readonly string[]; warnings: readonly string[] };
}

export interface LoadedConfig<T = undefined> {
  config: AppConfig;
  /** What the extra section parsed (the outputs). */
  section: T;
  /** Keys that were set but mean nothing to Peregrine (e.g. falcosidekick outputs we lack). */
  warnings: string[];
  /** Where each value came from, for error messages and the About page. */
  file?: string;
}

type LeafKind = 'string' | 'number' | 'boolean' | 'list' | 'names' | 'map';
interface Leaf {
  path: string[];
  kind: LeafKind;
}

/** Reads the YAML file (if any), overlays the environment, validates everything at once. */
export function loadConfig(options: { file?: string; env: Env }): LoadedConfig;
export function loadConfig<T>(options: { file?: string; env: Env; section: ConfigSection<T> }): LoadedConfig<T>;
export function loadConfig<T>(options: { file?: string; env: Env; section?: ConfigSection<T> }): LoadedConfig<T | undefined> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const origins = new Map<string, string>();
  let input: Record<string, unknown> = {};
  let tree: Record<string, unknown> = {};
  const sectionKeys = new Set(options.section?.keys ?? []);

  if (options.file) {
    const fromFile = readYaml(options.file, problems, origins);
    if (fromFile) {
      tree = fromFile;
      const ours = Object.fromEntries(Object.entries(fromFile).filter(([key]) => !sectionKeys.has(key.toLowerCase())));
      input = normaliseKeys(ours, configSchema, [], warnings);
    }
  }

  for (const leaf of leavesOf(configSchema)) {
    const key = leaf.path.join('.');
    const alias = ENV_ALIASES[key];
    const derived = leaf.path.join('_').toUpperCase();
    const envName = options.env[derived] === undefined && alias !== undefined ? alias : derived;
    const raw = options.env[envName];
    if (raw === undefined) continue;
    origins.set(key, `env ${envName}`);
    setIn(input, leaf.path, fromEnvText(raw, leaf.kind, options.env));
  }

  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.map(String).join('.');
      const origin = origins.get(key) ?? origins.get(issue.path.slice(0, -1).map(String).join('.'));
      const shown = SECRET_KEYS.has(key) ? '' : describeValue(getIn(input, issue.path.map(String)));
      problems.push(`${key || '(root)'}${origin ? ` (${origin})` : ''}: ${issue.message}${shown}`);
    }
  }
  // Checked even when other keys are bad: every problem is reported in one pass.
  const templated = parsed.success ? parsed.data.templatedfields : stringEntries(input['templatedfields']);
  problems.push(...templateProblems(templated));
  const section = options.section?.parse(tree, options.env);
  if (section) {
    problems.push(...section.problems);
    warnings.push(...section.warnings);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { config: (parsed as { data: AppConfig }).data, section: section?.value, warnings, ...(options.file ? { file: options.file } : {}) };
}

function stringEntries(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function readYaml(file: string, problems: string[], origins: Map<string, string>): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    problems.push(`config file ${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
  const lineCounter = new LineCounter();
  // logLevel 'error': the library would print its warnings (a mapping used as a key) to stderr, outside our logs; such a key is reported as unknown anyway.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, logLevel: 'error' });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const pos = lineCounter.linePos(error.pos[0]);
      problems.push(`config file ${file}:${pos.line}:${pos.col}: ${error.message.split('\n')[0]}`);
    }
    return undefined;
  }
  let value: unknown;
  try {
    // Parsing accepts what building the values refuses: an alias to no anchor, or aliases that
    // expand past the yaml library's limit (a "billion laughs" file). Those are problems too.
    value = doc.toJS();
  } catch (error) {
    problems.push(`config file ${file}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    return undefined;
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`config file ${file}: must be a YAML mapping of keys to values`);
    return undefined;
  }
  recordOrigins(doc.contents, [], file, lineCounter, origins);
  return value as Record<string, unknown>;
}

function recordOrigins(node: unknown, path: string[], file: string, lineCounter: LineCounter, origins: Map<string, string>): void {
  if (!node || typeof node !== 'object' || !('items' in node) || !Array.isArray(node.items)) return;
  for (const item of (node as { items: unknown[] }).items) {
    if (!item || typeof item !== 'object' || !('key' in item)) continue;
    const pair = item as { key: { value?: unknown; range?: [number, number, number] } | null; value: unknown };
    const keyValue = pair.key?.value;
    const keyText = (typeof keyValue === 'string' || typeof keyValue === 'number' || typeof keyValue === 'boolean' ? String(keyValue) : '').toLowerCase();
    const childPath = [...path, keyText];
    const range = pair.key?.range;
    if (range) {
      const pos = lineCounter.linePos(range[0]);
      origins.set(childPath.join('.'), `${file}:${pos.line}:${pos.col}`);
    }
    recordOrigins(pair.value, childPath, file, lineCounter, origins);
  }
}

/** YAML keys are case-insensitive (as viper): lower-case every key the schema knows as an object key. */
function normaliseKeys(value: Record<string, unknown>, schema: z.ZodType, path: string[], warnings: string[]): Record<string, unknown> {
  const shape = objectShape(schema);
  if (!shape) return value;
  const result: Record<string, unknown> = {};
  for (const [rawKey, child] of Object.entries(value)) {
    const key = rawKey.toLowerCase();
    const childSchema = shape[key];
    if (!childSchema) {
      warnings.push(`unknown key ${[...path, rawKey].join('.')} ignored`);
      continue;
    }
    result[key] = child && typeof child === 'object' && !Array.isArray(child) ? normaliseKeys(child as Record<string, unknown>, childSchema, [...path, key], warnings) : child;
  }
  return result;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  while (current instanceof z.ZodDefault || current instanceof z.ZodOptional) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const base = unwrap(schema);
  return base instanceof z.ZodObject ? base.shape : undefined;
}

export function leavesOf(schema: z.ZodType, path: string[] = []): Leaf[] {
  const shape = objectShape(schema);
  if (!shape) {
    const base = unwrap(schema);
    const kind: LeafKind =
      base instanceof z.ZodNumber
        ? 'number'
        : base instanceof z.ZodBoolean
          ? 'boolean'
          : base instanceof z.ZodArray
            ? schema.description === NAMES_LIST || base.description === NAMES_LIST
              ? 'names'
              : 'list'
            : base instanceof z.ZodRecord
              ? 'map'
              : 'string';
    return [{ path, kind }];
  }
  return Object.entries(shape).flatMap(([key, child]) => leavesOf(child, [...path, key]));
}

/**
 * falcosidekick's env forms: lists are comma-separated (spaces stripped); maps are
 * `k:v,k2:v2` where a value starting with `%` names another env variable.
 */
function fromEnvText(raw: string, kind: LeafKind, env: Env): unknown {
  switch (kind) {
    case 'number': {
      const n = Number(raw.trim());
      return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
    }
    case 'boolean': {
      const lower = raw.trim().toLowerCase();
      if (['true', '1', 'yes'].includes(lower)) return true;
      if (['false', '0', 'no', ''].includes(lower)) return false;
      return raw;
    }
    case 'names':
      // Rule names have spaces: trim each item rather than strip them all.
      return raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    case 'list':
      return raw
        .split(',')
        .map((item) => item.replace(/\s+/g, ''))
        .filter((item) => item !== '');
    case 'map': {
      const map: Record<string, string> = {};
      for (const pair of raw.split(',')) {
        const parts = pair.split(':');
        if (parts.length !== 2) continue;
        const [key = '', value = ''] = parts.map((p) => p.trim());
        if (key === '') continue;
        map[key] = value.startsWith('%') ? (env[value.slice(1)] ?? '') : value;
      }
      return map;
    }
    default:
      return raw;
  }
}

function setIn(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (!next || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] ?? ''] = value;
}

function getIn(target: unknown, path: string[]): unknown {
  let node = target;
  for (const key of path) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function describeValue(value: unknown): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
  return ` (got ${text.length > 60 ? `${text.slice(0, 57)}...` : text})`;
}

/** A copy safe to show: every secret that is set becomes `********`. */
export function maskConfig(config: AppConfig): AppConfig {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  for (const key of SECRET_KEYS) {
    const path = key.split('.');
    const value = getIn(copy, path);
    if (typeof value === 'string' && value !== '') setIn(copy, path, '********');
  }
  return copy as unknown as AppConfig;
}

/** `720h`, `30d`, `90s`, `500ms`, or a plain number of seconds → milliseconds. */
export function durationMs(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d|w)?$/.exec(text);
  if (!m) throw new ConfigError([`"${text}" is not a duration`]);
  const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
  return Number(m[1]) * (unitMs[m[2] ?? 's'] ?? 1000);
}
