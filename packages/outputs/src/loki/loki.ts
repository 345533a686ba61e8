import { falcoPayload, type OutputAlert, sortedTags } from '../alert';
import { key } from '../config';
import { goEncode, goMarshal, goStruct } from '../go/json';
import { unixNanoText } from '../go/time';
import { basicAuthHeader, DEFAULT_HEADERS, defineOutput, type FullConfig, type GlobalSettings, withHeaders } from '../output';

/**
 * Grafana Loki push API (JSON). Labels and line as falcosidekick; several pending alerts go in
 * one push, grouped into one stream per distinct label set (falcosidekick pushes one alert per
 * request, so a single-alert push is byte-identical to its).
 */

export const lokiKeys = {
  hostport: key.url({ description: 'Loki base URL `http(s)://host:port`; enables the output.', example: 'http://loki:3100' }),
  endpoint: key.string({ default: '/loki/api/v1/push', description: 'Path appended to hostport.' }),
  user: key.string({ description: 'Basic-auth user (with apikey; Grafana Cloud).' }),
  apikey: key.string({ secret: true, description: 'Basic-auth password / API key (used only with user).' }),
  tenant: key.string({ description: 'Tenant, sent as `X-Scope-OrgID`.' }),
  format: key.enum(['text', 'json'], { default: 'text', description: 'text = line is the output; json = line is the whole alert as JSON.' }),
  extralabels: key.list({ stripSpaces: true, description: 'Output fields promoted to labels (comma list), besides custom and templated fields.' }),
  customheaders: key.map({ secret: 'values', description: 'Extra headers (YAML map, env `Key:Value,Key2:Value2`).' }),
  maxbatch: key.integer({ default: 100, min: 1, max: 10_000, peregrine: true, description: 'Most alerts per push when several are pending.' }),
} as const;

export type LokiConfig = FullConfig<typeof lokiKeys>;

/** Loki's label name rule; names falcosidekick would send outside it make Loki refuse the whole push. */
const LOKI_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * falcosidekick's label name for an output field (`.` → `_`, brackets removed). When that still
 * is not a valid Loki label name (a `-` or `/` in the field name), the other characters become
 * `_` too: falcosidekick would send it and lose the alert to a 400.
 */
export function lokiLabelName(field: string): string {
  const name = field.replace(/\./g, '_').replace(/[[\]]/g, '');
  if (LOKI_LABEL_NAME.test(name)) return name;
  const cleaned = name.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned;
}

/** The stream labels of one alert (a Go map: written with sorted keys). */
export function lokiLabels(alert: OutputAlert, config: Pick<LokiConfig, 'extralabels'>, globals: GlobalSettings): Record<string, string> {
  const labels: Record<string, string> = { rule: alert.rule, source: alert.source, priority: alert.priority };
  const ns = alert.output_fields['k8s.ns.name'];
  const pod = alert.output_fields['k8s.pod.name'];
  if (typeof ns === 'string') labels['k8s_ns_name'] = ns;
  if (typeof pod === 'string') labels['k8s_pod_name'] = pod;
  const promoted = new Set([...globals.customFieldNames, ...globals.templatedFieldNames, ...config.extralabels]);
  for (const [field, value] of Object.entries(alert.output_fields)) {
    if (typeof value === 'string' && promoted.has(field)) labels[lokiLabelName(field)] = value.replace(/"/g, '');
  }
  if (alert.hostname !== '') labels['hostname'] = alert.hostname;
  if (alert.tags.length > 0) labels['tags'] = sortedTags(alert).join(',');
  return labels;
}

/** The push body for these alerts: one stream per distinct label set, in first-seen order. */
export function lokiPushBody(alerts: readonly OutputAlert[], config: Pick<LokiConfig, 'extralabels' | 'format'>, globals: GlobalSettings): string {
  const streams = new Map<string, { labels: Record<string, string>; values: string[][] }>();
  for (const alert of alerts) {
    const labels = lokiLabels(alert, config, globals);
    const id = goMarshal(labels);
    let stream = streams.get(id);
    if (stream === undefined) {
      stream = { labels, values: [] };
      streams.set(id, stream);
    }
    // The Falco event time, as falcosidekick (not the push time).
    stream.values.push([unixNanoText(alert.time), config.format === 'json' ? goMarshal(falcoPayload(alert)) : alert.output]);
  }
  return goEncode(goStruct({ streams: [...streams.values()].map((s) => goStruct({ stream: s.labels, values: s.values })) }));
}

export const loki = defineOutput<typeof lokiKeys>({
  type: 'loki',
  title: 'Grafana Loki',
  description: 'Loki push API; several alerts per push.',
  keys: lokiKeys,
  enabledBy: 'hostport',
  maxBatch: (config) => config.maxbatch,
  // The Authorization header carries user:apikey in base64, a spelling of the secret a sink may echo.
  extraSecrets: (config) => (config.user !== '' && config.apikey !== '' ? [basicAuthHeader(config.user, config.apikey).slice('Basic '.length)] : []),
  build(alerts, { config, globals }) {
    const auth: Record<string, string> = {};
    if (config.tenant !== '') auth['X-Scope-OrgID'] = config.tenant;
    if (config.user !== '' && config.apikey !== '') auth['Authorization'] = basicAuthHeader(config.user, config.apikey);
    return [
      {
        alerts: alerts.map((_, i) => i),
        spec: {
          method: 'POST',
          url: `${config.hostport}${config.endpoint}`,
          // Loki reads any other content type as protobuf, so it is exactly `application/json`.
          headers: withHeaders(DEFAULT_HEADERS, { 'Content-Type': 'application/json' }, auth, config.customheaders),
          body: lokiPushBody(alerts, config, globals),
        },
      },
    ];
  },
});
