import { type ConfigKeys, envName, flattenConfig, isHttpUrl, parseFlatConfig, parseKeyValueList, parseMinimumPriority } from './config';
import type { GlobalSettings, OutputDefinition, OutputInstance } from './output';
import { REDACTED, urlPassword } from './redact';

/**
 * Reads every output instance from the whole configuration (the YAML object with lower-cased
 * keys) and the environment, falcosidekick-style:
 *
 * - `slack: { webhookurl: … }` is one instance named `slack`; env variables (`SLACK_WEBHOOKURL`)
 *   override its keys, and alone they are enough to create it.
 * - `slack: [ { name: oncall, webhookurl: … }, { name: audit, … } ]` gives several instances of
 *   one type. Env variables apply to the item named like the type (a nameless item is), or
 *   create it when there is none.
 * - An instance exists only when its enabling key is set (webhookurl/hostport/address). A mapping
 *   without it is silently off, as in falcosidekick (Helm charts ship every section empty); a
 *   list item without it is a mistake and reported.
 *
 * - Nested sections (`aws.sqs`, `aws.sns`): each is one output type's section, and the keys of
 *   the parent (`aws.region`) are shared by every instance below it unless its own section
 *   sets them. Their env names follow the path: `AWS_SQS_URL`, `AWS_REGION`.
 *
 * Every bad key is reported in `problems`, named with where it came from; values are never
 * shown. `warnings` are for things falcosidekick accepted that we keep but want seen.
 */

export interface OutputsConfigResult {
  readonly instances: OutputInstance[];
  readonly problems: string[];
  readonly warnings: string[];
}

export type Env = Readonly<Record<string, string | undefined>>;

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

interface RawInstance {
  /** `slack` or `slack[1]`: how problems refer to it. */
  readonly label: string;
  readonly values: Record<string, unknown>;
  /** Where each key came from, for messages. */
  readonly origins: Map<string, string>;
  /** Shared keys whose value came from the parent section (named there in messages). */
  readonly inherited: Set<string>;
  /** Takes env overrides. */
  readonly isDefault: boolean;
  readonly fromYaml: boolean;
  fromEnv: boolean;
}

export function parseOutputsConfigWith(definitions: readonly OutputDefinition[], tree: Readonly<Record<string, unknown>>, env: Env): OutputsConfigResult {
  const problems: string[] = [];
  const warnings: string[] = [];
  const instances: OutputInstance[] = [];
  const globals = readGlobals(tree, env);
  const lowerTree = lowerKeys(tree);
  checkParentSections(definitions, lowerTree, problems, warnings);

  for (const definition of definitions) {
    const section = sectionAt(lowerTree, definition.section);
    const raws = collectRawInstances(definition, section, problems, warnings);
    applyEnv(definition, raws, env);
    inheritSharedKeys(definition, raws, lowerTree, env);
    for (const raw of raws) {
      const instance = buildInstance(definition, raw, globals, problems, warnings);
      if (instance) instances.push(instance);
    }
  }

  const seen = new Map<string, string>();
  for (const instance of instances) {
    const other = seen.get(instance.name);
    if (other !== undefined) problems.push(`${instance.type} instance "${instance.name}": name already used by a ${other} instance; names must be unique (set name:)`);
    else seen.set(instance.name, instance.type);
  }
  // Sibling outputs read the same parent keys: a problem there is reported once.
  return { instances: problems.length > 0 ? [] : instances, problems: [...new Set(problems)], warnings: [...new Set(warnings)] };
}

/** The value at a dotted section path (`aws.sqs`), keys matched case-insensitively; undefined when a level is missing or not a mapping. */
function sectionAt(lowerTree: Readonly<Record<string, unknown>>, path: string): unknown {
  const [first = '', ...rest] = path.split('.');
  let node: unknown = lowerTree[first];
  for (const segment of rest) {
    if (!isMapping(node)) return undefined;
    node = lowerKeys(node)[segment];
  }
  return node;
}

function parentOf(section: string): string | undefined {
  const at = section.lastIndexOf('.');
  return at === -1 ? undefined : section.slice(0, at);
}

/**
 * A parent section (`aws:`) must be a mapping; keys in it that are neither a sibling's section
 * nor a shared key are reported once (falcosidekick's services we lack, such as `aws.s3`, included).
 */
function checkParentSections(definitions: readonly OutputDefinition[], lowerTree: Readonly<Record<string, unknown>>, problems: string[], warnings: string[]): void {
  const children = new Map<string, OutputDefinition[]>();
  for (const definition of definitions) {
    const parent = parentOf(definition.section);
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), definition]);
  }
  for (const [parent, siblings] of children) {
    const value = sectionAt(lowerTree, parent);
    if (value === undefined || value === null) continue;
    if (!isMapping(value)) {
      problems.push(`${parent}: must be a mapping of keys (its services are ${siblings.map((s) => s.section).join(', ')})`);
      continue;
    }
    const own = new Set(siblings.map((s) => s.section.slice(parent.length + 1)));
    const shared: ConfigKeys = Object.assign({}, ...siblings.map((s) => s.sharedKeys)) as ConfigKeys;
    const rest = Object.fromEntries(Object.entries(value).filter(([name]) => !own.has(name.toLowerCase())));
    for (const path of flattenConfig(shared, rest).unknown) warnings.push(`${parent}.${path}: unknown key, ignored`);
  }
}

/** Shared keys from the parent section (YAML, then env `AWS_REGION`), under what each instance's own section sets. */
function inheritSharedKeys(definition: OutputDefinition, raws: RawInstance[], lowerTree: Readonly<Record<string, unknown>>, env: Env): void {
  const parent = parentOf(definition.section);
  if (parent === undefined || raws.length === 0 || Object.keys(definition.sharedKeys).length === 0) return;
  const mapping = sectionAt(lowerTree, parent);
  const values: Record<string, unknown> = isMapping(mapping) ? flattenConfig(definition.sharedKeys, mapping).flat : {};
  const origins = new Map<string, string>();
  for (const path of Object.keys(definition.sharedKeys)) {
    const name = envName(parent, path);
    const value = env[name];
    if (value !== undefined && value !== '') {
      values[path] = value;
      origins.set(path, `env ${name}`);
    }
  }
  for (const raw of raws) {
    for (const [path, value] of Object.entries(values)) {
      if (path in raw.values) continue;
      raw.values[path] = value;
      raw.inherited.add(path);
      const origin = origins.get(path);
      if (origin !== undefined) {
        raw.origins.set(path, origin);
        raw.fromEnv = true;
      }
    }
  }
}

function lowerKeys(value: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.toLowerCase(), v]));
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function collectRawInstances(definition: OutputDefinition, section: unknown, problems: string[], warnings: string[]): RawInstance[] {
  const type = definition.type;
  const label = definition.section;
  if (section === undefined || section === null) return [];
  const fromMapping = (mapping: Record<string, unknown>, label: string, isDefault: boolean): RawInstance => {
    const { flat, unknown } = flattenConfig(definition.keys, mapping);
    for (const path of unknown) warnings.push(`${label}.${path}: unknown key, ignored`);
    const origins = new Map(Object.keys(flat).map((k) => [k, 'YAML'] as const));
    return { label, values: flat, origins, inherited: new Set(), isDefault, fromYaml: Object.keys(flat).length > 0, fromEnv: false };
  };
  if (isMapping(section)) return [fromMapping(section, label, true)];
  if (Array.isArray(section)) {
    const raws: RawInstance[] = [];
    section.forEach((item: unknown, index) => {
      if (!isMapping(item)) {
        problems.push(`${label}[${index}]: must be a mapping of keys`);
        return;
      }
      const name = typeof item['name'] === 'string' ? item['name'].trim() : '';
      raws.push(fromMapping(item, `${label}[${name || index}]`, name === '' || name === type));
    });
    return raws;
  }
  problems.push(`${label}: must be a mapping of keys or a list of them`);
  return [];
}

/** falcosidekick's env names apply to the default instance (see module comment). */
function applyEnv(definition: OutputDefinition, raws: RawInstance[], env: Env): void {
  const overrides: Array<[string, string, string]> = [];
  for (const path of Object.keys(definition.keys)) {
    // Shared keys take their parent's env names (`AWS_REGION`): see inheritSharedKeys.
    if (path in definition.sharedKeys) continue;
    const name = envName(definition.section, path);
    const value = env[name];
    // viper ignores variables that are set but empty.
    if (value !== undefined && value !== '') overrides.push([path, value, name]);
  }
  if (overrides.length === 0) return;
  let target = raws.find((r) => r.isDefault);
  if (target === undefined) {
    target = { label: definition.section, values: {}, origins: new Map(), inherited: new Set(), isDefault: true, fromYaml: false, fromEnv: true };
    raws.push(target);
  }
  for (const [path, value, name] of overrides) {
    target.values[path] = value;
    target.origins.set(path, `env ${name}`);
  }
  target.fromEnv = true;
}

function isSet(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.trim() !== '';
  if (Array.isArray(value)) return value.some((v) => typeof v === 'string' && v.trim() !== '');
  return true;
}

function buildInstance(definition: OutputDefinition, raw: RawInstance, globals: GlobalSettings, problems: string[], warnings: string[]): OutputInstance | undefined {
  const where = (path: string): string => {
    const origin = raw.origins.get(path);
    return origin !== undefined && origin !== 'YAML' ? ` (${origin})` : '';
  };
  // A shared key is named in the parent section (`aws.region`), once for all siblings, unless this instance's own section set it.
  const inParent = (path: string): boolean => path in definition.sharedKeys && (raw.inherited.has(path) || !(path in raw.values));
  const keyLabel = (path: string): string => `${inParent(path) ? parentOf(definition.section) : raw.label}.${path}${where(path)}`;
  if (!isSet(raw.values[definition.enabledBy])) {
    // A section that only names itself is off, as falcosidekick treats it; a list item is a mistake.
    if (raw.label !== definition.section) problems.push(`${raw.label}.${definition.enabledBy}: is required (it enables the output)`);
    return undefined;
  }
  const before = problems.length;

  const minimum = parseMinimumPriority(raw.values['minimumpriority'], { infoIsInformational: definition.infoMinimumIsInformational === true });
  if (minimum.error) problems.push(`${raw.label}.minimumpriority${where('minimumpriority')}: ${minimum.error}`);
  if (minimum.warning) warnings.push(`${raw.label}.minimumpriority${where('minimumpriority')}: ${minimum.warning}`);

  const parsed = parseFlatConfig(raw.label, definition.keys, raw.values);
  for (const error of parsed.errors) problems.push(`${keyLabel(error.key.slice(raw.label.length + 1))}: ${error.message}`);
  if (!parsed.config) return undefined;
  const config = parsed.config as Readonly<Record<string, unknown>>;

  const configuredName = (config['name'] as string).trim();
  const name = configuredName === '' ? definition.type : configuredName;
  if (!NAME.test(name)) problems.push(`${raw.label}.name: must be 1–63 lower-case letters, digits, "-" or "_", starting with a letter or digit`);

  const windowMs = config['dedup.window'] as number;
  const fields = config['dedup.fields'] as readonly string[];
  if (windowMs === 0 && fields.length > 0) warnings.push(`${raw.label}.dedup.fields: set but dedup.window is 0, so dedup is off`);

  const prepared = definition.prepare(config, globals);
  for (const issue of prepared.issues) problems.push(`${keyLabel(issue.key)}: ${issue.message}`);
  for (const warning of prepared.warnings ?? []) warnings.push(`${keyLabel(warning.key)}: ${warning.message}`);
  if (problems.length > before) return undefined;

  const when = (config['when'] as string).trim();
  return {
    name,
    type: definition.type,
    definition,
    config,
    ...(minimum.value !== undefined ? { minimumPriority: minimum.value } : {}),
    ...(when !== '' ? { when } : {}),
    maxConcurrentRequests: config['maxconcurrentrequests'] as number,
    timeoutMs: config['timeout'] as number,
    checkCert: config['checkcert'] as boolean,
    mutualTls: config['mutualtls'] as boolean,
    ...(windowMs > 0 ? { dedup: { windowMs, fields } } : {}),
    maxBatch: definition.maxBatch(config, prepared.prepared),
    lingerMs: definition.lingerMs(config),
    secrets: secretsOf(definition, config),
    origin: raw.fromYaml && raw.fromEnv ? 'yaml+env' : raw.fromEnv ? 'env' : 'yaml',
    globals,
    prepared: prepared.prepared,
  };
}

/** Values of secret keys, secret map values, URL passwords and whatever the output adds. */
export function secretsOf(definition: OutputDefinition, config: Readonly<Record<string, unknown>>): string[] {
  const secrets = new Set<string>();
  for (const [path, spec] of Object.entries(definition.keys)) {
    const value = config[path];
    const texts = typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
    if (spec.secret === true) texts.forEach((t) => secrets.add(t));
    if (spec.secret === 'values' && isMapping(value)) Object.values(value).forEach((v) => typeof v === 'string' && secrets.add(v));
    if (spec.kind === 'url' || spec.kind === 'list') {
      for (const text of texts) {
        const password = urlPassword(text);
        if (password !== undefined) secrets.add(password);
      }
    }
  }
  for (const extra of definition.extraSecrets(config)) secrets.add(extra);
  secrets.delete('');
  return [...secrets];
}

/**
 * The instance's config for display (API, UI, logs): secrets replaced by `[REDACTED]`, except
 * that a secret URL keeps its scheme and host so a user can tell which workspace it points at.
 */
export function maskedConfig(instance: OutputInstance): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, spec] of Object.entries(instance.definition.keys)) {
    const value = instance.config[path];
    if (spec.secret === true) out[path] = maskSecret(value);
    else if (spec.secret === 'values' && isMapping(value)) out[path] = Object.fromEntries(Object.keys(value).map((k) => [k, REDACTED]));
    else if (spec.kind === 'url' && typeof value === 'string') out[path] = maskUserInfo(value);
    else if (spec.kind === 'list' && Array.isArray(value)) out[path] = value.map((v: unknown) => (typeof v === 'string' ? maskUserInfo(v) : v));
    else out[path] = value;
  }
  out['name'] = instance.name;
  return out;
}

function maskSecret(value: unknown): unknown {
  if (typeof value !== 'string' || value === '') return value;
  if (isHttpUrl(value)) {
    const url = new URL(value);
    return `${url.protocol}//${url.host}/${REDACTED}`;
  }
  return REDACTED;
}

function maskUserInfo(value: string): string {
  if (urlPassword(value) === undefined) return value;
  const url = new URL(value);
  url.password = REDACTED;
  return url.toString();
}

/** The names of `customfields`/`templatedfields` (YAML map, or the env form `k:v,k2:v2`). */
function readGlobals(tree: Readonly<Record<string, unknown>>, env: Env): GlobalSettings {
  const names = (yamlKey: string, envKey: string): string[] => {
    const fromYaml = tree[yamlKey] ?? tree[Object.keys(tree).find((k) => k.toLowerCase() === yamlKey) ?? ''];
    const set = new Set(isMapping(fromYaml) ? Object.keys(fromYaml) : typeof fromYaml === 'string' ? Object.keys(parseKeyValueList(fromYaml).entries) : []);
    const fromEnv = env[envKey];
    if (fromEnv) Object.keys(parseKeyValueList(fromEnv).entries).forEach((k) => set.add(k));
    return [...set];
  };
  return { customFieldNames: names('customfields', 'CUSTOMFIELDS'), templatedFieldNames: names('templatedfields', 'TEMPLATEDFIELDS') };
}

export type { ConfigKeys };
