import { z } from 'zod';
import { parsePriority, type Priority } from '@peregrine/engine';

/**
 * Config keys are declared once per output, as a table of {@link ConfigKey}s. From that table
 * come the zod schema (defaults, coercion, messages), the env variable names (falcosidekick's
 * viper rule: `<type>.<key path>` with `.` → `_`, upper case) and which values are secrets.
 * Keys are lower case, as falcosidekick documents them; nested YAML keys are dotted paths
 * (`elasticsearch.batching.enabled` is key `batching.enabled` of output `elasticsearch`).
 */

export type ConfigKeyKind = 'string' | 'url' | 'boolean' | 'integer' | 'enum' | 'list' | 'map' | 'duration' | 'priority';

export interface ConfigKey<T = unknown> {
  readonly kind: ConfigKeyKind;
  /** Accepts YAML values and env strings (coerced the way viper/cast would), applies the default. */
  readonly schema: z.ZodType<T>;
  /** The value must never appear in logs, errors, API answers or the UI. */
  readonly secret: boolean;
  readonly description: string;
  /** Default as documented (for the UI and README); `undefined` = no default. */
  readonly defaultValue?: unknown;
  /** Allowed values of an enum key. */
  readonly values?: readonly string[];
}

export type ConfigKeys = Readonly<Record<string, ConfigKey>>;

/** The parsed config type of a key table. */
export type ConfigOf<K extends ConfigKeys> = { readonly [P in keyof K]: K[P] extends ConfigKey<infer T> ? T : never };

interface KeyOptions<T> {
  readonly description: string;
  readonly default?: T;
  readonly secret?: boolean;
}

const isBlank = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** Go's strconv.ParseBool spellings, which viper accepts for booleans in env and YAML strings. */
const TRUE_WORDS = new Set(['1', 't', 'true']);
const FALSE_WORDS = new Set(['0', 'f', 'false']);

function withDefault<T>(schema: z.ZodType<T>, fallback: T | undefined): z.ZodType<T> {
  return z.preprocess((v) => (isBlank(v) ? fallback : v), schema) as unknown as z.ZodType<T>;
}

function makeKey<T>(kind: ConfigKeyKind, schema: z.ZodType<T>, options: KeyOptions<T>, extra: Partial<ConfigKey<T>> = {}): ConfigKey<T> {
  return { kind, schema, secret: options.secret ?? false, description: options.description, defaultValue: options.default, ...extra };
}

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

/**
 * falcosidekick's env form of a map: `Key:Value,Key2:Value2`. Pairs without exactly one `:`
 * are skipped by falcosidekick; we report them instead (see {@link key.map}).
 */
export function parseKeyValueList(text: string): { entries: Record<string, string>; bad: string[] } {
  const entries: Record<string, string> = {};
  const bad: string[] = [];
  for (const pair of text.split(',')) {
    if (pair.trim() === '') continue;
    const parts = pair.split(':');
    if (parts.length !== 2) {
      bad.push(pair.trim());
      continue;
    }
    entries[parts[0]!.trim()] = parts[1]!.trim();
  }
  return { entries, bad };
}

export const key = {
  string(options: KeyOptions<string>): ConfigKey<string> {
    return makeKey('string', withDefault(z.coerce.string(), options.default ?? ''), options);
  },

  /** An http(s) URL (falcosidekick disables an output whose URL does not match `http(s)://`). */
  url(options: KeyOptions<string> & { readonly required?: boolean }): ConfigKey<string> {
    const url = z.string().refine((v) => isHttpUrl(v), { message: 'must be an http:// or https:// URL' });
    const schema = options.required ? url : z.union([z.literal(''), url]);
    return makeKey('url', withDefault(schema, options.required ? undefined : (options.default ?? '')), options);
  },

  boolean(options: KeyOptions<boolean>): ConfigKey<boolean> {
    const schema = z.preprocess((v) => {
      if (typeof v !== 'string') return v;
      const word = v.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      return v;
    }, z.boolean({ message: 'must be true or false' }));
    return makeKey('boolean', withDefault(schema as z.ZodType<boolean>, options.default), options);
  },

  integer(options: KeyOptions<number> & { readonly min?: number }): ConfigKey<number> {
    let schema = z.coerce.number({ message: 'must be an integer' }).int({ message: 'must be an integer' });
    if (options.min !== undefined) schema = schema.min(options.min, { message: `must be ≥ ${options.min}` });
    return makeKey('integer', withDefault(schema, options.default), options);
  },

  enum<const V extends readonly [string, ...string[]]>(values: V, options: KeyOptions<V[number]>): ConfigKey<V[number]> {
    const schema = z.preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v), z.enum(values, { message: `must be one of ${values.join(', ')}` }));
    return makeKey('enum', withDefault(schema as z.ZodType<V[number]>, options.default), options, { values });
  },

  /** A YAML list or a comma-separated string (the env form). */
  list(options: KeyOptions<readonly string[]>): ConfigKey<readonly string[]> {
    const schema = z.preprocess(
      (v) =>
        typeof v === 'string'
          ? v
              .split(',')
              .map((s) => s.trim())
              .filter((s) => s !== '')
          : v,
      z.array(z.coerce.string(), { message: 'must be a list or a comma-separated string' }),
    );
    return makeKey('list', withDefault(schema as z.ZodType<readonly string[]>, options.default ?? []), options);
  },

  /** A YAML map or the env form `k:v,k2:v2`. */
  map(options: KeyOptions<Readonly<Record<string, string>>>): ConfigKey<Readonly<Record<string, string>>> {
    const schema = z
      .preprocess(
        (v) => (typeof v === 'string' ? parseKeyValueList(v) : { entries: v, bad: [] }),
        z.object({
          entries: z.record(z.string(), z.coerce.string(), { message: 'must be a map or "key:value,key2:value2"' }),
          bad: z.array(z.string()).max(0, { message: 'every pair must be written key:value (exactly one colon)' }),
        }),
      )
      .transform((v) => v.entries);
    return makeKey('map', withDefault(schema as unknown as z.ZodType<Readonly<Record<string, string>>>, options.default ?? {}), options);
  },

  /** Go duration text (`10s`, `500ms`) → milliseconds. */
  duration(options: KeyOptions<number> & { readonly defaultText: string }): ConfigKey<number> {
    const schema = z.union([z.string(), z.number()]).transform((v, ctx) => {
      const ms = typeof v === 'number' ? undefined : parseGoDuration(v);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration such as 10s, 500ms or 1m' });
        return z.NEVER;
      }
      return ms;
    });
    return makeKey('duration', withDefault(schema as unknown as z.ZodType<number>, options.default), options, { defaultValue: options.defaultText });
  },

  /** A Falco priority name (case-insensitive, `info` accepted); empty = no minimum. */
  priority(options: KeyOptions<Priority | undefined>): ConfigKey<Priority | undefined> {
    const schema = z.preprocess(
      (v) => (isBlank(v) ? undefined : v),
      z.union([
        z.undefined(),
        z.string().transform((v, ctx) => {
          const p = parsePriority(v);
          if (p === undefined) {
            ctx.addIssue({ code: 'custom', message: 'must be one of emergency, alert, critical, error, warning, notice, informational, debug' });
            return z.NEVER;
          }
          return p;
        }),
      ]),
    );
    return makeKey('priority', schema as z.ZodType<Priority | undefined>, options, { defaultValue: '' });
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

/** Keys every output has (falcosidekick's common keys plus Peregrine's `timeout`, `when` and `name`). */
export const commonKeys = {
  name: key.string({ description: 'Instance name (needed when several instances of one type exist); defaults to the type.' }),
  minimumpriority: key.priority({ description: 'Minimum priority of alerts sent to this output; empty = all.' }),
  checkcert: key.boolean({ default: true, description: 'Verify the TLS certificate of the destination.' }),
  mutualtls: key.boolean({ default: false, description: 'Present the client certificate (mutualtlsclient.* / mutualtlsfilespath); the server certificate is then always verified.' }),
  maxconcurrentrequests: key.integer({ default: 1, min: 0, description: 'Requests in flight at once to this output; 0 = unlimited.' }),
  timeout: key.duration({ default: 10_000, defaultText: '10s', description: 'Whole-request timeout (falcosidekick has none).' }),
  when: key.string({ description: 'Routing condition in Falco condition syntax over the alert; compiled by the server.' }),
} as const;

export type CommonConfig = ConfigOf<typeof commonKeys>;

export interface ConfigIssue {
  /** Full key path, e.g. `slack.webhookurl`. */
  readonly key: string;
  readonly message: string;
}

export type ConfigParseResult<C> = { readonly ok: true; readonly config: C; readonly warnings: readonly ConfigIssue[] } | { readonly ok: false; readonly errors: readonly ConfigIssue[]; readonly warnings: readonly ConfigIssue[] };

/**
 * Validates one instance's raw config (a YAML mapping; keys case-insensitive as with viper,
 * nested mappings flattened to dotted keys). Every bad key is reported, not only the first;
 * unknown keys are warnings (falcosidekick ignores them, a typo should still be visible).
 * Error messages never echo values, so a secret typed into the wrong key is not leaked.
 */
export function parseConfigKeys<K extends ConfigKeys>(type: string, keys: K, raw: unknown): ConfigParseResult<ConfigOf<K>> {
  const warnings: ConfigIssue[] = [];
  const errors: ConfigIssue[] = [];
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    return { ok: false, errors: [{ key: type, message: 'must be a mapping of keys' }], warnings };
  }
  const flat: Record<string, unknown> = {};
  flatten(keys, (raw ?? {}) as Record<string, unknown>, '', flat, (path) => warnings.push({ key: `${type}.${path}`, message: 'unknown key, ignored' }));
  const config: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(keys)) {
    const result = spec.schema.safeParse(flat[name]);
    if (result.success) {
      config[name] = result.data;
    } else {
      const message = result.error.issues.map((issue) => (issue.code === 'invalid_type' && flat[name] === undefined ? 'is required' : issue.message)).join('; ');
      errors.push({ key: `${type}.${name}`, message });
    }
  }
  return errors.length > 0 ? { ok: false, errors, warnings } : { ok: true, config: config as ConfigOf<K>, warnings };
}

function flatten(keys: ConfigKeys, raw: Record<string, unknown>, prefix: string, out: Record<string, unknown>, unknown: (path: string) => void): void {
  for (const [rawName, value] of Object.entries(raw)) {
    const path = `${prefix}${rawName.toLowerCase()}`;
    if (path in keys) {
      out[path] = value;
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(keys).some((k) => k.startsWith(`${path}.`))) {
      flatten(keys, value as Record<string, unknown>, `${path}.`, out, unknown);
    } else {
      unknown(path);
    }
  }
}

/** `SLACK_WEBHOOKURL`, `ELASTICSEARCH_BATCHING_ENABLED`: viper's AutomaticEnv naming. */
export function envName(type: string, keyPath: string): string {
  return `${type}.${keyPath}`.replace(/\./g, '_').toUpperCase();
}
