import type { Priority } from '@peregrine/engine';
import type { OutputAlert } from '../alert';
import { key } from '../config';
import { goEncode, type GoStruct, goStruct } from '../go/json';
import { DEFAULT_HEADERS, defineOutput, type FullConfig } from '../output';

/**
 * Opsgenie Alert API v2 (`POST /v2/alerts`): falcosidekick's alert — message = output, entity
 * `Falcosidekick`, description = rule, the string output fields and the alert's attributes as
 * details, P1–P5 by priority — authenticated with `Authorization: GenieKey <apikey>`. The region
 * picks the API host; `url` (ours) replaces it, for a proxy or a local test server.
 */

export const OPSGENIE_ALERTS_URLS = {
  us: 'https://api.opsgenie.com/v2/alerts',
  eu: 'https://api.eu.opsgenie.com/v2/alerts',
} as const;

export const opsgenieKeys = {
  apikey: key.string({ secret: true, description: 'API key of an Opsgenie API integration, sent as `Authorization: GenieKey <apikey>`; enables the output.', example: 'XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX' }),
  region: key.enum(['us', 'eu'], { default: 'us', description: 'Opsgenie instance: us = `api.opsgenie.com`, eu = `api.eu.opsgenie.com`.' }),
  url: key.url({ peregrine: true, description: 'Alerts API URL used instead of the region\'s (a proxy, or a local server in tests); empty = by region.' }),
} as const;

export type OpsgenieConfig = FullConfig<typeof opsgenieKeys>;

/** falcosidekick's mapping of Falco priorities to Opsgenie's P1 (highest) … P5. */
export const OPSGENIE_PRIORITIES: Readonly<Record<Priority, 'P1' | 'P2' | 'P3' | 'P4' | 'P5'>> = {
  Emergency: 'P1',
  Alert: 'P1',
  Critical: 'P2',
  Error: 'P3',
  Warning: 'P4',
  Notice: 'P5',
  Informational: 'P5',
  Debug: 'P5',
};

/**
 * falcosidekick's `newOpsgeniePayload`. Details is a Go map (keys sorted on the wire): string
 * output fields with `.` → `_` in their names, then `source`, `rule`, `priority` (these three
 * win over output fields of the same name), `hostname` when known and `tags` joined with `", "`
 * in the alert's order (falcosidekick does not sort them here).
 */
export function opsgenieAlert(alert: OutputAlert): GoStruct {
  const details: Record<string, string> = {};
  for (const [name, value] of Object.entries(alert.output_fields)) {
    if (typeof value === 'string') details[name.replace(/\./g, '_')] = value;
  }
  details['source'] = alert.source;
  details['rule'] = alert.rule;
  details['priority'] = alert.priority;
  if (alert.hostname !== '') details['hostname'] = alert.hostname;
  if (alert.tags.length > 0) details['tags'] = alert.tags.join(', ');
  return goStruct({
    // Not omitempty in falcosidekick: an empty output is sent as "" (and Opsgenie refuses it).
    message: alert.output,
    entity: 'Falcosidekick',
    description: alert.rule === '' ? undefined : alert.rule,
    details,
    priority: OPSGENIE_PRIORITIES[alert.priority],
  });
}

export function opsgenieAlertsUrl(config: Pick<OpsgenieConfig, 'region' | 'url'>): string {
  return config.url !== '' ? config.url : OPSGENIE_ALERTS_URLS[config.region];
}

export const opsgenie = defineOutput<typeof opsgenieKeys>({
  type: 'opsgenie',
  title: 'Opsgenie',
  description: 'Opsgenie Alert API v2: one alert per Falco alert, P1–P5 by priority.',
  keys: opsgenieKeys,
  enabledBy: 'apikey',
  maxBatch: () => 1,
  build(alerts, { config }) {
    const url = opsgenieAlertsUrl(config);
    const headers = { ...DEFAULT_HEADERS, Authorization: `GenieKey ${config.apikey}` };
    return alerts.map((alert, index) => ({ alerts: [index], spec: { method: 'POST', url, headers, body: goEncode(opsgenieAlert(alert)) } }));
  },
});
