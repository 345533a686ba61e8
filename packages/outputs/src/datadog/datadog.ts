import type { Priority } from '@peregrine/engine';
import { type OutputAlert, sortedTags, stringFieldEntries } from '../alert';
import { key } from '../config';
import { goEncode, type GoStruct, goStruct } from '../go/json';
import { DEFAULT_HEADERS, defineOutput, type FullConfig } from '../output';

/**
 * Datadog events (`POST <host>/api/v1/events`): falcosidekick's event — title = rule, text =
 * output, alert type by priority, `source_type_name: falco`, tags from the string output fields,
 * the source, the hostname and the Falco tags. The API key travels in the `DD-API-KEY` header
 * (falcosidekick puts it in the URL as `?api_key=`; see the README for why we do not).
 */

export const DATADOG_DEFAULT_HOST = 'https://api.datadoghq.com';
export const DATADOG_EVENTS_PATH = '/api/v1/events';
export const DATADOG_API_KEY_HEADER = 'DD-API-KEY';

export const datadogKeys = {
  apikey: key.string({ secret: true, description: 'Datadog API key, sent as the `DD-API-KEY` header; enables the output.', example: 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX' }),
  host: key.url({ default: DATADOG_DEFAULT_HOST, description: 'Datadog API site (e.g. `https://api.datadoghq.eu`, `https://api.us5.datadoghq.com`); `/api/v1/events` is appended; empty = the default.' }),
} as const;

export type DatadogConfig = FullConfig<typeof datadogKeys>;

/** falcosidekick's mapping of Falco priorities to Datadog's `alert_type`. */
export const DATADOG_ALERT_TYPES: Readonly<Record<Priority, 'error' | 'warning' | 'info'>> = {
  Emergency: 'error',
  Alert: 'error',
  Critical: 'error',
  Error: 'error',
  Warning: 'warning',
  Notice: 'info',
  Informational: 'info',
  Debug: 'info',
};

/**
 * falcosidekick's `newDatadogPayload`: every string output field as `name:value` (sorted by
 * name; numbers are left out, as there), `source:<source>`, `source:falco`, `hostname:<host>`
 * when known, then the Falco tags sorted. Empty title/text are omitted (Go `omitempty`).
 */
export function datadogEvent(alert: OutputAlert): GoStruct {
  const tags = stringFieldEntries(alert).map(([name, value]) => `${name}:${value}`);
  tags.push(`source:${alert.source}`, 'source:falco');
  if (alert.hostname !== '') tags.push(`hostname:${alert.hostname}`);
  tags.push(...sortedTags(alert));
  return goStruct({
    title: alert.rule === '' ? undefined : alert.rule,
    text: alert.output === '' ? undefined : alert.output,
    alert_type: DATADOG_ALERT_TYPES[alert.priority],
    source_type_name: 'falco',
    tags,
  });
}

/** `<host>/api/v1/events`; trailing slashes of the host are dropped so a copied site URL still works. */
export function datadogEventsUrl(host: string): string {
  return `${host.replace(/\/+$/, '')}${DATADOG_EVENTS_PATH}`;
}

export const datadog = defineOutput<typeof datadogKeys>({
  type: 'datadog',
  title: 'Datadog',
  description: 'Datadog events API: one event per alert, tagged with its fields.',
  keys: datadogKeys,
  enabledBy: 'apikey',
  maxBatch: () => 1,
  build(alerts, { config }) {
    const url = datadogEventsUrl(config.host || DATADOG_DEFAULT_HOST);
    const headers = { ...DEFAULT_HEADERS, [DATADOG_API_KEY_HEADER]: config.apikey };
    return alerts.map((alert, index) => ({ alerts: [index], spec: { method: 'POST', url, headers, body: goEncode(datadogEvent(alert)) } }));
  },
});
