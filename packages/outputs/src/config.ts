import { z } from 'zod';
import { parsePriority, type Priority } from '@peregrine/engine';

/**
 * Config keys are declared once per output, as a table of {@link ConfigKey}s. From that table
 * come the zod schema (defaults, coercion, messages), the env variable names (falcosidekick's
 * viper rule: `<type>.<key path>` with `.` → `_`, upper case), which values are secrets, and
 * the README/UI description. Keys are lower case, as falcosidekick documents them; nested
 * YAML keys are dotted paths (`elasticsearch.batching.enabled` is key `batching.enabled`).
 *
 * Value semantics follow viper, which falcosidekick uses:
 * - a key that is absent (or YAML `null`) takes its default;
 * - a string key explicitly set to `""` in YAML is empty (viper returns the set value), which is
 *   how `teams.activityimage: ""` drops the image; for booleans, numbers, enums and durations a
 *   blank value means the default;
 * - env variables that are set but empty are ignored (viper's `AllowEmptyEnv(false)`).
 */

export type ConfigKeyKind = 'string' | 'url' | 'boolean' | 'integer' | 'enum' | 'list' | 'map' | 'duration' | 'priority';

/**
 * `true`: the whole value is a secret (webhook URL, API key, password).
 * `'values'`: a map whose values are secrets (custom headers often carry tokens).
 * `false`: not secret, but a URL's user-info password is always treated as one.
 */
export type SecretKind = boolean | 'values';

export interface ConfigKey<T = unknown> {
  readonly kind: ConfigKeyKind;
  /** Accepts YAML values and env strings (coerced the way viper/cast would), applies the default. */
  readonly schema: z.ZodType<T>;
  /** The value must never appear in logs, errors, API answers or the UI. */
  readonly secret: SecretKind;
  readonly description: string;
  /** Default as documented (for the UI and README); `undefined` = no default. */
  readonly defaultValue?: unknown;
  /** Allowed values of an enum key. */
  readonly values?: readonly string[];
  /** A Peregrine addition falcosidekick does not have (README marks these). */
  readonly peregrine?: boolean;
  /**
   * A placeholder value for the copyable examples (the dashboard's Outputs page): it shows the
   * form a value takes and is never a real secret (secret keys' placeholders carry `XXX`).
   * Set on the keys an output's minimal example needs (`enabledBy` and `requires`).
   */
  readonly example?: string;
}

export type ConfigKeys = Readonly<Record<string, ConfigKey>>;

/** The parsed config type of a key table. */
export type ConfigOf<K extends ConfigKeys> = { readonly [P in keyof K]: K[P] extends ConfigKey<infer T> ? T : never };

interface KeyOptions<T> {
  readonly description: string;
  readonly default?: T;
  readonly secret?: SecretKind;
  readonly peregrine?: boolean;
  readonly example?: string;
}

const isAbsent = (v: unknown): boolean => v === undefined || v === null;
const isBlank = (v: unknown): boolean => isAbsent(v) || (typeof v === 'string' && v.trim() === '');

/** Go's strconv.ParseBool spellings, which viper accepts for booleans in env and YAML strings. */
const TRUE_WORDS = new Set(['1', 't', 'true']);
const FALSE_WORDS = new Set(['0', 'f', 'false']);

function defaultWhen<T>(test: (v: unknown) => boolean, schema: z.ZodType<T>, fallback: T | undefined): z.ZodType<T> {
  // zod's preprocess output type is `unknown`-in; the schema itself fixes the output type.
  const wrapped: z.ZodType<T> = z.preprocess((v) => (test(v) ? fallback : v), schema);
  return wrapped;
}

function makeKey<T>(kind: ConfigKeyKind, schema: z.ZodType<T>, options: KeyOptions<T>, extra: Partial<ConfigKey<T>> = {}): ConfigKey<T> {
  return {
    kind,
    schema,
    secret: options.secret ?? false,
    description: options.description,
    defaultValue: options.default,
    ...(options.peregrine ? { peregrine: true } : {}),
    ...(options.example !== undefined ? { example: options.example } : {}),
    ...extra,
  };
}

/** YAML scalars become text as viper's cast.ToString would; mappings and lists are refused. */
const scalarText = z.preprocess(
  (v) => (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? String(v) : v),
  z.string({ message: 'must be a text value' }),
);

const GO_DURATION = /^(\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const DURATION_UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go `time.ParseDuration` syntax (`10s`, `1m30s`, `500ms`) → milliseconds. */
export function parseGoDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  if (!GO_DURATION.test(trimmed)) return undefined;
  let total = 0;
  for (const part of trimmed.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(part[1]) * DURATION_UNIT_MS[part[2]!]!;
  }
  return total;
}

/** What a `map` key accepts as its text (env) form. */
export type MapTextStyle =
  /** falcosidekick's `Key:Value,Key2:Value2` with exactly one `:` per pair (custom headers). */
  | 'pairs'
  /** AlertManager's extra labels/annotations: split at the first `:`, value optional, name a Prometheus label name. */
  | 'labels';

export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Parses the text form of a map. falcosidekick skips pairs it cannot read; we report them,
 * because a silently dropped `Authorization:…` header is found only when the sink says 401.
 * Messages name the pair's key only (a value may be a secret).
 */
export function parseKeyValueList(text: string, style: MapTextStyle = 'pairs'): { entries: Record<string, string>; bad: string[] } {
  const entries: Record<string, string> = {};
  const bad: string[] = [];
  for (const [index, pair] of text.split(',').entries()) {
    if (pair.trim() === '') continue;
    if (style === 'labels') {
      const at = pair.indexOf(':');
      const name = (at === -1 ? pair : pair.slice(0, at)).trim();
      if (!LABEL_NAME.test(name)) {
        bad.push(`"${name}" is not a valid label name`);
        continue;
      }
      entries[name] = at === -1 ? '' : pair.slice(at + 1).trim();
      continue;
    }
    const parts = pair.split(':');
    // Without a colon the whole pair is the text before one: it may be the secret alone (a token pasted without its header name).
    if (parts.length === 1) {
      bad.push(`pair ${index + 1} has no colon: it must be written key:value`);
      continue;
    }
    if (parts.length !== 2 || parts[0]!.trim() === '') {
      bad.push(`"${(parts[0] ?? '').trim()}…" must be written key:value with exactly one colon`);
      continue;
    }
    entries[parts[0]!.trim()] = parts[1]!.trim();
  }
  return { entries, bad };
}

export const key = {
  /** Free text. Explicit `""` is kept (viper semantics); absent → default. */
  string(options: KeyOptions<string>): ConfigKey<string> {
    return makeKey('string', defaultWhen(isAbsent, scalarText, options.default ?? ''), options);
  },

  /** An http(s) URL (falcosidekick disables an output whose URL does not match `http(s)://`). Empty = not set. */
  url(options: KeyOptions<string>): ConfigKey<string> {
    const schema = scalarText.transform((v, ctx) => {
      const trimmed = v.trim();
      if (trimmed !== '' && !isHttpUrl(trimmed)) {
        ctx.addIssue({ code: 'custom', message: 'must be an http:// or https:// URL' });
        return z.NEVER;
      }
      return trimmed;
    });
    return makeKey('url', defaultWhen(isAbsent, schema, options.default ?? ''), options);
  },

  boolean(options: KeyOptions<boolean>): ConfigKey<boolean> {
    const schema = z.preprocess((v) => {
      if (typeof v !== 'string') return v;
      const word = v.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      return v;
    }, z.boolean({ message: 'must be true or false' }));
    return makeKey('boolean', defaultWhen(isBlank, schema as z.ZodType<boolean>, options.default), options);
  },

  integer(options: KeyOptions<number> & { readonly min?: number; readonly max?: number }): ConfigKey<number> {
    let schema = z.number({ message: 'must be an integer' }).int({ message: 'must be an integer' });
    if (options.min !== undefined) schema = schema.min(options.min, { message: `must be at least ${options.min}` });
    if (options.max !== undefined) schema = schema.max(options.max, { message: `must be at most ${options.max}` });
    const coerced = z.preprocess((v) => (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v), schema);
    return makeKey('integer', defaultWhen(isBlank, coerced as z.ZodType<number>, options.default), options);
  },

  enum<const V extends readonly [string, ...string[]]>(values: V, options: KeyOptions<V[number]>): ConfigKey<V[number]> {
    const schema = z.preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v), z.enum(values, { message: `must be one of ${values.join(', ')}` }));
    return makeKey('enum', defaultWhen(isBlank, schema as z.ZodType<V[number]>, options.default), options, { values });
  },

  /**
   * A YAML list or a comma-separated string (the env form, and falcosidekick's YAML form of
   * e.g. `loki.extralabels`). Items are trimmed; with `stripSpaces` every space is removed, as
   * falcosidekick does for label lists.
   */
  list(options: KeyOptions<readonly string[]> & { readonly stripSpaces?: boolean }): ConfigKey<readonly string[]> {
    const clean = (s: string): string => (options.stripSpaces ? s.replace(/\s+/g, '') : s.trim());
    const schema = z.preprocess(
      (v) =>
        typeof v === 'string'
          ? v
              .split(',')
              .map(clean)
              .filter((s) => s !== '')
          : Array.isArray(v)
            ? v.map((item: unknown) => (typeof item === 'string' ? clean(item) : item)).filter((s) => s !== '')
            : v,
      z.array(scalarText, { message: 'must be a list or a comma-separated string' }),
    );
    return makeKey('list', defaultWhen(isAbsent, schema as z.ZodType<readonly string[]>, options.default ?? []), options);
  },

  /** A YAML map or the text form (`k:v,k2:v2`, see {@link MapTextStyle}). */
  map(options: KeyOptions<Readonly<Record<string, string>>> & { readonly style?: MapTextStyle }): ConfigKey<Readonly<Record<string, string>>> {
    const style = options.style ?? 'pairs';
    const schema = z.unknown().transform((v, ctx) => {
      if (typeof v === 'string') {
        const { entries, bad } = parseKeyValueList(v, style);
        for (const problem of bad) ctx.addIssue({ code: 'custom', message: problem });
        return bad.length > 0 ? z.NEVER : entries;
      }
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        ctx.addIssue({ code: 'custom', message: 'must be a mapping or "key:value,key2:value2"' });
        return z.NEVER;
      }
      const entries: Record<string, string> = {};
      for (const [name, value] of Object.entries(v as Record<string, unknown>)) {
        if (style === 'labels' && !LABEL_NAME.test(name)) {
          ctx.addIssue({ code: 'custom', message: `"${name}" is not a valid label name` });
          continue;
        }
        if (value === null || value === undefined) entries[name] = '';
        else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') entries[name] = String(value);
        else ctx.addIssue({ code: 'custom', message: `value of "${name}" must be a text value` });
      }
      return entries;
    });
    return makeKey('map', defaultWhen(isAbsent, schema as unknown as z.ZodType<Readonly<Record<string, string>>>, options.default ?? {}), options);
  },

  /** Go duration text (`10s`, `500ms`) → milliseconds. Bare numbers are refused: Go would read them as nanoseconds. */
  duration(options: KeyOptions<number> & { readonly defaultText: string; readonly min?: number }): ConfigKey<number> {
    const schema = z.unknown().transform((v, ctx) => {
      // The default is already in milliseconds; only configured text is parsed.
      if (isBlank(v)) return options.default;
      const ms = typeof v === 'string' ? parseGoDuration(v) : undefined;
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration such as 10s, 500ms or 1m' });
        return z.NEVER;
      }
      if (options.min !== undefined && ms < options.min) {
        ctx.addIssue({ code: 'custom', message: `must be at least ${options.min} ms` });
        return z.NEVER;
      }
      return ms;
    });
    return makeKey('duration', schema as unknown as z.ZodType<number>, options, { defaultValue: options.defaultText });
  },

  /** A Falco priority name (case-insensitive, `info` accepted). */
  priority(options: KeyOptions<Priority>): ConfigKey<Priority> {
    const schema = scalarText.transform((v, ctx) => {
      const p = parsePriority(v);
      if (p === undefined) {
        ctx.addIssue({ code: 'custom', message: 'must be one of emergency, alert, critical, error, warning, notice, informational, debug' });
        return z.NEVER;
      }
      return p;
    });
    return makeKey('priority', defaultWhen(isBlank, schema as unknown as z.ZodType<Priority>, options.default), options);
  },
};

export function isHttpUrl(text: string): boolean {
  if (!/^https?:\/\//i.test(text)) return false;
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * `minimumpriority` as falcosidekick reads it (§7 of sidekick-features.md): it keeps a value
 * only when it contains one of the eight long names (unanchored, case-insensitive) and then
 * looks it up exactly; everything else silently means "no filter". So `info` — accepted in
 * alerts — is "no filter" here. We keep that meaning (a drop-in must not start dropping Debug
 * alerts an existing config lets through) but say so, and refuse text that names no priority
 * at all instead of silently sending everything.
 */
export function parseMinimumPriority(raw: unknown, options: { readonly infoIsInformational?: boolean } = {}): { value?: Priority; warning?: string; error?: string } {
  if (isBlank(raw)) return {};
  if (typeof raw !== 'string') return { error: 'must be a priority name' };
  const text = raw.trim().toLowerCase();
  // Outputs whose minimum falcosidekick does not pass through checkPriority (Discord) read `info` as Informational.
  if (text === 'info' && options.infoIsInformational) return { value: 'Informational' };
  if (text === 'info') {
    return { warning: 'falcosidekick reads "info" as no minimum (only the long name filters); kept as no minimum — write "informational" to filter' };
  }
  const exact = parsePriority(text);
  if (exact !== undefined) return { value: exact };
  return { error: 'must be one of emergency, alert, critical, error, warning, notice, informational, debug (or empty for all)' };
}

/** Keys every output has: falcosidekick's common keys plus Peregrine's `name`, `timeout`, `when` and `dedup`. */
export const commonKeys = {
  name: key.string({ peregrine: true, description: 'Instance name, unique across outputs (needed when one type has several instances); defaults to the type.' }),
  minimumpriority: key.string({ description: 'Minimum priority of alerts sent to this output; empty = all (falcosidekick semantics, see README).' }),
  checkcert: key.boolean({ default: true, description: 'Verify the TLS certificate of the destination.' }),
  mutualtls: key.boolean({ default: false, description: 'Present the client certificate (mutualtlsclient.* / mutualtlsfilespath); the server certificate is then always verified.' }),
  maxconcurrentrequests: key.integer({ default: 1, min: 0, description: 'Requests in flight at once to this output; 0 = unlimited.' }),
  timeout: key.duration({ peregrine: true, default: 10_000, defaultText: '10s', min: 1, description: 'Whole-request timeout (falcosidekick has none, so a hung sink blocked it forever).' }),
  when: key.string({ peregrine: true, description: 'Routing condition in Falco condition syntax over the alert; compiled by the server at start-up.' }),
  'dedup.window': key.duration({
    peregrine: true,
    default: 0,
    defaultText: '0s',
    description: 'Send identical alerts (same rule + dedup.fields) once per window, with the count folded in; 0 = off.',
  }),
  'dedup.fields': key.list({ peregrine: true, description: 'Alert attributes or output fields that, with the rule, identify identical alerts (e.g. hostname, k8s.ns.name).' }),
} as const;

export type CommonConfig = ConfigOf<typeof commonKeys>;

export interface ConfigIssue {
  /** Full key path, e.g. `slack.webhookurl`. */
  readonly key: string;
  readonly message: string;
}

/**
 * Validates one instance's flat values (`key path → raw value`) against a key table. Every bad
 * key is reported, not only the first. Messages never echo values, so a secret typed into the
 * wrong key is not leaked.
 */
export function parseFlatConfig<K extends ConfigKeys>(prefix: string, keys: K, flat: Readonly<Record<string, unknown>>): { config?: ConfigOf<K>; errors: ConfigIssue[] } {
  const errors: ConfigIssue[] = [];
  const config: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(keys)) {
    const result = spec.schema.safeParse(flat[name]);
    if (result.success) config[name] = result.data;
    else errors.push({ key: `${prefix}.${name}`, message: [...new Set(result.error.issues.map((issue) => issue.message))].join('; ') });
  }
  return errors.length > 0 ? { errors } : { config: config as ConfigOf<K>, errors };
}

/**
 * Flattens a YAML mapping into dotted key paths the table knows (keys case-insensitive, as
 * with viper). Map-valued keys (`customheaders`) stay whole. Returns the paths it did not know.
 */
export function flattenConfig(keys: ConfigKeys, raw: Readonly<Record<string, unknown>>, prefix = ''): { flat: Record<string, unknown>; unknown: string[] } {
  const flat: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [rawName, value] of Object.entries(raw)) {
    const path = `${prefix}${rawName.toLowerCase()}`;
    if (path in keys) {
      flat[path] = value;
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(keys).some((k) => k.startsWith(`${path}.`))) {
      const nested = flattenConfig(keys, value as Record<string, unknown>, `${path}.`);
      Object.assign(flat, nested.flat);
      unknown.push(...nested.unknown);
    } else {
      unknown.push(path);
    }
  }
  return { flat, unknown };
}

/** `SLACK_WEBHOOKURL`, `ELASTICSEARCH_BATCHING_ENABLED`: viper's AutomaticEnv naming. */
export function envName(type: string, keyPath: string): string {
  return `${type}.${keyPath}`.replace(/\./g, '_').toUpperCase();
}
