import type { OutputAlert } from '../alert';
import { type ConfigIssue, key } from '../config';
import { compareGoStrings } from '../go/json';
import { alertUnixNanos } from '../go/time';
import { DEFAULT_HEADERS, defineOutput, type FullConfig, withHeaders } from '../output';

/**
 * InfluxDB, one line-protocol point per alert, as falcosidekick writes it:
 *
 *     events,rule=<rule>,priority=<p>,source=<s>,<string output fields>,hostname=<h>,tags=<t_t> value="<output>"
 *
 * to the v1 API (`/write?db=`) or, when an organization and a bucket are set, the v2 API
 * (`/api/v2/write?org=&bucket=`). falcosidekick concatenates the text without escaping, so an
 * alert with a `"` in its output or a `,` in a field value is refused or stored wrongly; here
 * every part is escaped by the line-protocol rules, which leaves the bytes of every line
 * falcosidekick got right unchanged.
 */

export const influxdbKeys = {
  hostport: key.url({ description: 'InfluxDB base URL `http(s)://host:port`; enables the output.', example: 'http://influxdb:8086' }),
  database: key.string({ default: 'falco', description: 'Database of the v1 API (`/write?db=`), used unless organization and bucket are both set.' }),
  organization: key.string({ description: 'Organization of the v2 API; with bucket set, alerts go to `/api/v2/write`.' }),
  bucket: key.string({ default: 'falco', description: 'Bucket of the v2 API (used only with organization).' }),
  precision: key.string({
    default: 'ns',
    description: 'Sent as `precision=` (empty = not sent). v1: `n`, `ns`, `u`, `ms`, `s`, `m`, `h`; v2: `ns`, `us`, `ms`, `s`. Points carry no timestamp unless eventtime is on.',
  }),
  user: key.string({ description: 'User, sent as `u=` with `p=` when password is set and token is not.' }),
  password: key.string({ secret: true, description: 'Password, sent as `p=` in the query string (InfluxDB 1.x auth).' }),
  token: key.string({ secret: true, description: 'API token, sent as `Authorization: Token <token>` (InfluxDB 1.8+ reads `user:password`); disables user and password.' }),
  eventtime: key.boolean({
    default: false,
    peregrine: true,
    description: 'Stamp each point with the Falco event time (in precision) instead of letting InfluxDB stamp the arrival time; a retried write then replaces its point.',
  }),
} as const;

export type InfluxdbConfig = FullConfig<typeof influxdbKeys>;

export type InfluxdbApi = 'v1' | 'v2';

/** The precisions each API accepts (InfluxDB 1.8+ refuses others with a 400; 1.x before 1.8 ignored them). */
const PRECISIONS: Readonly<Record<InfluxdbApi, readonly string[]>> = {
  v1: ['n', 'ns', 'u', 'ms', 's', 'm', 'h'],
  v2: ['ns', 'us', 'ms', 's'],
};

const NANOS_PER_UNIT: Readonly<Record<string, bigint>> = {
  n: 1n,
  ns: 1n,
  u: 1_000n,
  us: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** falcosidekick's choice: v2 when organization and bucket are both set, else v1 when there is a database. */
export function influxdbApi(config: Pick<InfluxdbConfig, 'organization' | 'bucket' | 'database'>): InfluxdbApi | undefined {
  if (config.organization !== '' && config.bucket !== '') return 'v2';
  if (config.database !== '') return 'v1';
  return undefined;
}

/**
 * The write URL falcosidekick builds (same parameters, same order). Values are percent-encoded:
 * falcosidekick pastes them raw, so a password with `&`, `#` or `+` broke its URL.
 */
export function influxdbWriteUrl(config: InfluxdbConfig, api: InfluxdbApi): string {
  const param = (name: string, value: string): string => `${name}=${encodeURIComponent(value)}`;
  const params = api === 'v2' ? [param('org', config.organization), param('bucket', config.bucket)] : [param('db', config.database)];
  if (config.user !== '' && config.password !== '' && config.token === '') params.push(param('u', config.user), param('p', config.password));
  if (config.precision !== '') params.push(param('precision', config.precision));
  return `${config.hostport}${api === 'v2' ? '/api/v2/write' : '/write'}?${params.join('&')}`;
}

/** Line-protocol characters that end a tag key or value unless escaped with a backslash. */
const TAG_SPECIAL = /[,= ]/g;

/**
 * A tag key or value as line protocol needs it, or undefined when InfluxDB cannot store it:
 * empty (it answers "missing tag value"), or with a backslash at the end or before `,` `=` or
 * a space (the backslash would escape the delimiter; line protocol has no escape for it).
 * Line breaks would end the line, so they read as spaces.
 */
export function lineProtocolTagText(text: string): string | undefined {
  const flat = text.replace(/\r\n|[\r\n]/g, ' ');
  if (flat === '' || /\\([,= ]|$)/.test(flat)) return undefined;
  return flat.replace(TAG_SPECIAL, '\\$&');
}

/** A string field value: quoted, with `"` and `\` escaped (InfluxDB stores the text unchanged). */
export function lineProtocolString(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

/** Tag keys output fields may not take: the line's own (InfluxDB refuses duplicate tags) and `time` (it refuses that key). */
const BUILT_IN_TAG_KEYS: ReadonlySet<string> = new Set(['rule', 'priority', 'source', 'hostname', 'tags', 'time']);

/** falcosidekick writes spaces in the rule and in output-field values as `_`; line breaks go the same way. */
const underscored = (text: string): string => text.replace(/\r\n|[\r\n ]/g, '_');

/** The `events` point of one alert (falcosidekick's `newInfluxdbPayload`, escaped). */
export function influxdbLine(alert: OutputAlert, config: Pick<InfluxdbConfig, 'eventtime' | 'precision'> = { eventtime: false, precision: 'ns' }): string {
  const tags: string[] = [];
  const usedKeys = new Set<string>();
  const addTag = (name: string, value: string): void => {
    const keyText = lineProtocolTagText(name);
    const valueText = lineProtocolTagText(value);
    // Two field names can escape alike (`a b`, `a\nb`): InfluxDB would refuse the duplicate.
    if (keyText === undefined || valueText === undefined || usedKeys.has(keyText)) return;
    usedKeys.add(keyText);
    tags.push(`${keyText}=${valueText}`);
  };
  addTag('rule', underscored(alert.rule));
  addTag('priority', alert.priority);
  addTag('source', alert.source);
  // Only string fields, as falcosidekick; it walks a Go map (random order), we sort for stable lines.
  const fields = Object.entries(alert.output_fields)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && !BUILT_IN_TAG_KEYS.has(entry[0]))
    .sort(([a], [b]) => compareGoStrings(a, b));
  for (const [name, value] of fields) addTag(name, underscored(value));
  if (alert.hostname !== '') addTag('hostname', alert.hostname);
  if (alert.tags.length > 0) addTag('tags', alert.tags.join('_'));
  const line = `events,${tags.join(',')} value=${lineProtocolString(alert.output)}`;
  if (!config.eventtime) return line;
  const nanos = alertUnixNanos(alert.time);
  return `${line} ${(nanos / (NANOS_PER_UNIT[config.precision] ?? 1n)).toString()}`;
}

interface InfluxdbPrepared {
  readonly url: string;
}

function checkConfig(config: InfluxdbConfig): { api?: InfluxdbApi; issues: ConfigIssue[] } {
  const api = influxdbApi(config);
  if (api === undefined) {
    // falcosidekick would build `<hostport>&precision=ns` and fail every write.
    return { issues: [{ key: 'database', message: 'is empty and organization/bucket are not both set: there is nowhere to write' }] };
  }
  if (config.precision !== '' && !PRECISIONS[api].includes(config.precision)) {
    return { api, issues: [{ key: 'precision', message: `must be one of ${PRECISIONS[api].join(', ')} for the ${api} API (or empty)` }] };
  }
  return { api, issues: [] };
}

export const influxdb = defineOutput<typeof influxdbKeys, InfluxdbPrepared>({
  type: 'influxdb',
  title: 'InfluxDB',
  description: 'InfluxDB line protocol, v1 (/write) or v2 (/api/v2/write).',
  keys: influxdbKeys,
  enabledBy: 'hostport',
  prepare(config) {
    const { api, issues } = checkConfig(config);
    if (api === undefined || issues.length > 0) return { issues };
    return { prepared: { url: influxdbWriteUrl(config, api) }, issues: [] };
  },
  maxBatch: () => 1,
  // The password travels percent-encoded in the URL: that spelling must be redacted too.
  extraSecrets: (config) => (config.password !== '' && encodeURIComponent(config.password) !== config.password ? [encodeURIComponent(config.password)] : []),
  build(alerts, { config, prepared }) {
    const auth: Record<string, string> = config.token !== '' ? { Authorization: `Token ${config.token}` } : {};
    // Line protocol's documented type; falcosidekick labels it JSON, which InfluxDB ignores.
    const headers = withHeaders(DEFAULT_HEADERS, { 'Content-Type': 'text/plain; charset=utf-8', Accept: 'application/json' }, auth);
    return alerts.map((alert, index) => ({ alerts: [index], spec: { method: 'POST', url: prepared.url, headers, body: influxdbLine(alert, config) } }));
  },
});
