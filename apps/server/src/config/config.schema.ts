import { DEFAULT_LOAD_LIMITS, parsePriority } from '@peregrine/engine';
import { z } from 'zod';
import { NAMES_LIST } from './names-list';

/**
 * The one configuration schema. Keys are falcosidekick's where falcosidekick has the setting
 * (same YAML keys, same env names: key path upper-cased with `.` → `_`), and live under
 * `peregrine.` where the setting is ours. Every leaf has a default so that every leaf has an
 * env name, as in falcosidekick (viper binds env only for keys with defaults).
 */
// 0 asks the system for any free port (tests, side-by-side runs).
const port = z.number().int().min(0, 'must be a port between 1 and 65535 (0: any free port)').max(65535, 'must be a port between 1 and 65535 (0: any free port)');
const duration = z.string().regex(/^\d+(ms|s|m|h|d|w)?$/, 'must be a duration such as 90s, 15m, 12h, 30d or 2w (plain number: seconds)');
const ipOrEmpty = z.string().refine((v) => v === '' || isIp(v), 'must be an IP address (or empty for every interface)');

const AUDIT_DEFAULTS = { max_body_bytes: 12 * 1024 * 1024, max_event_bytes: 256 * 1024, max_events_per_request: 10_000, recent_events: 1000, recent_max_bytes: 32 * 1024 * 1024 };
const AUTH_DEFAULTS = { enabled: true, username: 'admin', admin_password: '', session_ttl: '12h', login_max_failures: 5, login_window: '1m' };
/** Off by default, so Falco's http_output and existing webhooks stay drop-in (ingest/ingest-auth.ts). */
const INGEST_AUTH_DEFAULTS = { enabled: false, tokens_file: './data/ingest-tokens.yaml' };
/** falcosidekick's own defaults for its server TLS (config.go). */
const TLS_SERVER_DEFAULTS = {
  deploy: false,
  certfile: '/etc/certs/server/server.crt',
  keyfile: '/etc/certs/server/server.key',
  mutualtls: false,
  cacertfile: '/etc/certs/server/ca.crt',
  notlsport: 2810,
  notlspaths: [] as string[],
};
const RULES_DEFAULTS = {
  files: [] as string[],
  disabled_tags: [] as string[],
  enabled_tags: [] as string[],
  disabled_rules: [] as string[],
  enabled_rules: [] as string[],
  watch: true,
  rule_matching: 'first' as const,
  min_priority: 'debug',
  max_list_items: DEFAULT_LOAD_LIMITS.maxListItems,
  max_macro_depth: DEFAULT_LOAD_LIMITS.maxMacroDepth,
  max_condition_nodes: DEFAULT_LOAD_LIMITS.maxConditionNodes,
  max_pattern_size: DEFAULT_LOAD_LIMITS.maxPatternSize,
  max_match_steps: DEFAULT_LOAD_LIMITS.maxMatchSteps,
  test_timeout_ms: 10_000,
  test_max_memory_mb: 256,
};

export const configSchema = z.object({
  listenaddress: ipOrEmpty.default(''),
  listenport: port.default(2801),
  debug: z.boolean().default(false),
  customfields: z.record(z.string(), z.string()).default({}),
  templatedfields: z.record(z.string(), z.string()).default({}),
  customtags: z.array(z.string()).default([]),
  bracketreplacer: z.string().default(''),
  outputfieldformat: z.string().default(''),
  // falcosidekick's client TLS for outputs: an extra CA for every output, and the client
  // certificate of outputs with `mutualtls: true` (explicit files, else fixed names in a folder).
  tlsclient: z.object({ cacertfile: z.string().default('') }).default({ cacertfile: '' }),
  mutualtlsfilespath: z.string().default('/etc/certs'),
  mutualtlsclient: z
    .object({ certfile: z.string().default(''), keyfile: z.string().default(''), cacertfile: z.string().default('') })
    .default({ certfile: '', keyfile: '', cacertfile: '' }),
  // falcosidekick's server TLS, on every listener (2801, 2802, the audit ports); the files are
  // read and checked at start and reloaded when they change (web/server-tls.ts, docs/tls.md).
  tlsserver: z
    .object({
      deploy: z.boolean().default(TLS_SERVER_DEFAULTS.deploy),
      certfile: z.string().min(1).default(TLS_SERVER_DEFAULTS.certfile),
      keyfile: z.string().min(1).default(TLS_SERVER_DEFAULTS.keyfile),
      /** Client certificates signed by `cacertfile` required on the ingest ports (and for ingest on 2802). */
      mutualtls: z.boolean().default(TLS_SERVER_DEFAULTS.mutualtls),
      cacertfile: z.string().min(1).default(TLS_SERVER_DEFAULTS.cacertfile),
      /** Plain-HTTP port serving only `notlspaths` of the ingest listener (probes), when any are listed. */
      notlsport: port.default(TLS_SERVER_DEFAULTS.notlsport),
      notlspaths: z.array(z.string()).default(TLS_SERVER_DEFAULTS.notlspaths),
    })
    .default(TLS_SERVER_DEFAULTS),
  prometheus: z
    .object({
      extralabels: z.string().default(''),
      legacynames: z.boolean().default(false),
    })
    .default({ extralabels: '', legacynames: false }),
  peregrine: z
    .object({
      address: ipOrEmpty.default(''),
      port: port.default(2802),
      cluster_name: z.string().max(255).default('default'),
      /** Built dashboard assets; empty = `apps/ui/dist` next to the server. */
      ui_dir: z.string().default(''),
      /** Serve the dashboard, API and socket.io under this path (behind an ingress), e.g. `/peregrine`. */
      base_path: z
        .string()
        .regex(/^(\/[A-Za-z0-9._~-]+)*\/?$|^$/, 'must be a URL path such as /peregrine (letters, digits, . _ ~ -)')
        .transform((path) => path.replace(/\/+$/, ''))
        .default(''),
      db: z
        .object({
          driver: z.enum(['sqlite', 'postgres']).default('sqlite'),
          path: z.string().min(1).default('./data/peregrine.db'),
          url: z.string().default(''),
          synchronous: z.enum(['FULL', 'NORMAL']).default('NORMAL'),
          busy_timeout_ms: z.number().int().min(0).default(5000),
          index_interval_ms: z.number().int().min(1).max(1000).default(50),
          max_unindexed: z.number().int().min(100).default(50_000),
        })
        .default({ driver: 'sqlite', path: './data/peregrine.db', url: '', synchronous: 'NORMAL', busy_timeout_ms: 5000, index_interval_ms: 50, max_unindexed: 50_000 }),
      retention: z
        .object({
          max_age: duration.default('720h'),
          max_alerts: z.number().int().min(0).default(1_000_000),
        })
        .default({ max_age: '720h', max_alerts: 1_000_000 }),
      delivery: z
        .object({
          max_age: duration.default('24h'),
          initial_backoff: duration.default('1s'),
          max_backoff: duration.default('5m'),
          claim_lease: duration.default('60s'),
        })
        .default({ max_age: '24h', initial_backoff: '1s', max_backoff: '5m', claim_lease: '60s' }),
      ingest: z
        .object({
          max_body_bytes: z.number().int().min(1024).max(1024 * 1024 * 1024).default(4 * 1024 * 1024),
          /** A client must have sent its request line and headers within this long (every listener). */
          header_timeout_ms: z.number().int().min(100).max(600_000).default(10_000),
          /** …and its whole request, body included, within this long (every listener). */
          read_timeout_ms: z.number().int().min(100).max(3_600_000).default(60_000),
          /** Bearer tokens for senders, each bound to a cluster; only their SHA-256 is kept, in `tokens_file`. */
          auth: z
            .object({
              enabled: z.boolean().default(INGEST_AUTH_DEFAULTS.enabled),
              /** YAML list of token hashes, reloaded when it changes (`peregrine token create` writes it). */
              tokens_file: z.string().min(1).default(INGEST_AUTH_DEFAULTS.tokens_file),
            })
            .default(INGEST_AUTH_DEFAULTS),
        })
        .default({ max_body_bytes: 4 * 1024 * 1024, header_timeout_ms: 10_000, read_timeout_ms: 60_000, auth: INGEST_AUTH_DEFAULTS }),
      log: z
        .object({
          level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
          /** `auto`: readable lines on a terminal, JSON lines otherwise (a collector, a pipe, a file). */
          format: z.enum(['auto', 'json', 'pretty']).default('auto'),
        })
        .default({ level: 'info', format: 'auto' }),
      /** Label values taken from alerts: bounded, since anyone reaching the ingest ports chooses them. */
      metrics: z
        .object({
          max_series: z.number().int().min(1).max(10_000_000).default(10_000),
          max_label_length: z.number().int().min(16).max(65_536).default(256),
        })
        .default({ max_series: 10_000, max_label_length: 256 }),
      /** Kubernetes audit webhook (`POST /k8s-audit`). */
      audit: z
        .object({
          /** More ports serving only the audit paths, so existing webhook kubeconfigs keep working (8765, 9765, 7765). */
          extra_ports: z.array(z.coerce.number().pipe(port)).default([]),
          max_body_bytes: z.number().int().min(1024).max(1024 * 1024 * 1024).default(AUDIT_DEFAULTS.max_body_bytes),
          max_event_bytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(AUDIT_DEFAULTS.max_event_bytes),
          max_events_per_request: z.number().int().min(1).max(1_000_000).default(AUDIT_DEFAULTS.max_events_per_request),
          /** Raw audit events kept in memory to try rules on (`GET /api/v1/audit/recent`). */
          recent_events: z.number().int().min(0).max(100_000).default(AUDIT_DEFAULTS.recent_events),
          /** …and at most this many bytes of them, as received: the oldest go first. */
          recent_max_bytes: z.number().int().min(0).max(1024 * 1024 * 1024).default(AUDIT_DEFAULTS.recent_max_bytes),
        })
        .default({ extra_ports: [], ...AUDIT_DEFAULTS }),
      /** Falco rules evaluated on audit events. */
      rules: z
        .object({
          /** Files and folders (`*.yaml`, `*.yml`, in name order), loaded in order; empty = the shipped rules then /etc/peregrine/rules.d. */
          files: z.array(z.string().min(1)).default([]),
          disabled_tags: z.array(z.string()).default([]),
          enabled_tags: z.array(z.string()).default([]),
          disabled_rules: z.array(z.string()).describe(NAMES_LIST).default([]),
          enabled_rules: z.array(z.string()).describe(NAMES_LIST).default([]),
          /** Reload when a rules file changes on disk. */
          watch: z.boolean().default(true),
          rule_matching: z.enum(['first', 'all']).default('first'),
          min_priority: z
            .string()
            .refine((value) => parsePriority(value) !== undefined, 'must be a Falco priority (debug, info, notice, warning, error, critical, alert, emergency)')
            .default('debug'),
          // Rule text is untrusted (the rule editor posts it): what one load may expand to.
          /** List items of one load once lists naming lists are expanded, plus those conditions substitute. */
          max_list_items: z.number().int().min(1000).max(100_000_000).default(RULES_DEFAULTS.max_list_items),
          /** Macros a condition may go through (rule → macro → macro …). */
          max_macro_depth: z.number().int().min(1).max(1000).default(RULES_DEFAULTS.max_macro_depth),
          /** Nodes of a rule's condition once its macros are expanded. */
          max_condition_nodes: z.number().int().min(100).max(10_000_000).default(RULES_DEFAULTS.max_condition_nodes),
          /** Largest regex (instructions, counted repetition expanded) or glob (tokens). */
          max_pattern_size: z.number().int().min(10).max(1_000_000).default(RULES_DEFAULTS.max_pattern_size),
          /** Steps one regex/glob comparison may take on one value; beyond, the rule does not match that event. */
          max_match_steps: z.number().int().min(1000).max(10_000_000_000).default(RULES_DEFAULTS.max_match_steps),
          /** `POST /api/v1/rules/test` runs on a thread of its own, stopped after this long… */
          test_timeout_ms: z.number().int().min(100).max(600_000).default(RULES_DEFAULTS.test_timeout_ms),
          /** …or when its heap passes this many MiB. */
          test_max_memory_mb: z.number().int().min(16).max(16_384).default(RULES_DEFAULTS.test_max_memory_mb),
        })
        .default(RULES_DEFAULTS),
      /** Sign-in for the dashboard and its API (ingest is never behind it). */
      auth: z
        .object({
          /** false: everyone reaching the port reads alerts and changes rules (logged as a warning at start). */
          enabled: z.boolean().default(true),
          username: z.string().regex(/^[^\s:]{1,64}$/, 'must be 1 to 64 characters without spaces or colons').default('admin'),
          /** Env `PEREGRINE_ADMIN_PASSWORD`. Empty: generated at first start, printed once, only its hash kept. */
          admin_password: z.string().max(1024).default(''),
          session_ttl: duration.default('12h'),
          /** Failed sign-ins per client address within `login_window` before 429. */
          login_max_failures: z.number().int().min(1).max(10_000).default(5),
          login_window: duration.default('1m'),
        })
        .default(AUTH_DEFAULTS),
    })
    .default({
      address: '',
      port: 2802,
      cluster_name: 'default',
      ui_dir: '',
      base_path: '',
      db: { driver: 'sqlite', path: './data/peregrine.db', url: '', synchronous: 'NORMAL', busy_timeout_ms: 5000, index_interval_ms: 50, max_unindexed: 50_000 },
      retention: { max_age: '720h', max_alerts: 1_000_000 },
      delivery: { max_age: '24h', initial_backoff: '1s', max_backoff: '5m', claim_lease: '60s' },
      ingest: { max_body_bytes: 4 * 1024 * 1024, header_timeout_ms: 10_000, read_timeout_ms: 60_000, auth: INGEST_AUTH_DEFAULTS },
      log: { level: 'info', format: 'auto' },
      metrics: { max_series: 10_000, max_label_length: 256 },
      audit: { extra_ports: [], ...AUDIT_DEFAULTS },
      rules: RULES_DEFAULTS,
      auth: AUTH_DEFAULTS,
    }),
});

export type AppConfig = z.infer<typeof configSchema>;

/** Keys whose values are masked wherever configuration is shown or logged. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(['peregrine.db.url', 'peregrine.auth.admin_password']);

/** Env names kept for keys whose documented name differs from the derived one (that one works too). */
export const ENV_ALIASES: Readonly<Record<string, string>> = { 'peregrine.auth.admin_password': 'PEREGRINE_ADMIN_PASSWORD' };

function isIp(value: string): boolean {
  const v4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
  return v4.test(value) || (value.includes(':') && /^[0-9a-fA-F:.]+$/.test(value));
}
